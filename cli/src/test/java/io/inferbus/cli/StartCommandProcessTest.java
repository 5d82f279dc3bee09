package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.Https;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inferbus start} as its own process, as a newcomer runs it: it prints the scoring URL, the CA
 * and the CLI commands that score the example and show its key (never the key itself: terminals
 * are logged and shared), the key those commands read scores the example, and SIGTERM stops it
 * cleanly with exit code 0.
 */
class StartCommandProcessTest {
  @TempDir
  Path dataDir;
  Process process;

  @AfterEach
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void startPrintsWhatScoresTheExampleAndStopsCleanlyOnSigterm() throws Exception {
    Path out = dataDir.resolve("stdout.txt");
    Path err = dataDir.resolve("stderr.txt");
    // The class path goes in an argument file: ONNX Runtime 1.29's native library crashes the JVM
    // (SIGSEGV) when the process command line is longer than about 4 KB (docs/operations.md).
    Path argFile = dataDir.resolve("java-args.txt");
    Files.writeString(argFile, "-cp " + System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")) + "\n");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "@" + argFile, Main.class.getName(),
        "start", "--data-dir", dataDir.resolve("data").toString(),
        "--gateway-port", "0", "--control-port", "0", "--management-port", "0"));
    process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .directory(new File("..")).start();

    Path ports = dataDir.resolve("data").resolve("ports.json");
    Await.until("ports.json", Duration.ofMinutes(2), () -> Files.exists(ports) || !process.isAlive());
    assertTrue(process.isAlive(), "inferbus start exited early: " + Files.readString(err));
    Await.until("the welcome message", Duration.ofSeconds(30), () -> read(out).contains("Ctrl-C stops it"));

    String welcome = read(out);
    Matcher url = Pattern.compile("(https://127\\.0\\.0\\.1:\\d+/endpoints/credit/score)").matcher(welcome);
    Matcher ca = Pattern.compile("--cacert (\\S+)\\)").matcher(welcome);
    assertTrue(url.find() && ca.find(), welcome);
    assertTrue(welcome.contains("client.json"), welcome);
    assertTrue(welcome.contains("./inferbus online-endpoint invoke --name credit --request-file "
        + Path.of("..").toAbsolutePath().normalize().resolve("examples/credit-scoring/sample-request.json")), welcome);
    assertTrue(welcome.contains("./inferbus online-endpoint get-credentials --name credit"), welcome);
    assertTrue(!welcome.contains("Bearer"), "no key on the terminal: " + welcome);

    // the key as get-credentials reads it: with the admin token of client.json
    JsonObject client = new JsonObject(Files.readString(dataDir.resolve("data").resolve("client.json")));
    Https https = new Https(Path.of(ca.group(1)));
    String key = new JsonObject(https.send("POST", client.getString("control_plane_url") + "/endpoints/credit/keys",
        client.getString("token"), null, null).body()).getString("primaryKey");
    HttpResponse<String> scored = https.send("POST", url.group(1), key,
        "application/json", Files.readAllBytes(Path.of("..", "examples", "credit-scoring", "sample-request.json")));
    assertEquals(200, scored.statusCode(), scored.body());
    assertEquals(4, new JsonObject(scored.body()).getJsonArray("label").size());

    process.destroy(); // SIGTERM
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped within 60 s");
    assertEquals(0, process.exitValue(), "exit code after SIGTERM; log: " + read(err));
    String log = read(err);
    assertTrue(log.contains("stopped"), log);
    assertTrue(!log.contains("Exception"), "a clean stop logs no exception: " + log);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
