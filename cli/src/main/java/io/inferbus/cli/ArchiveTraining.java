package io.inferbus.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Run once by the build with {@code -XX:ArchiveClassesAtExit} (cli/pom.xml): runs operator commands
 * end to end, TLS included, against a stand-in control plane on loopback (the JDK's HTTPS server, an
 * ECDSA P-256 certificate like a node's), so that the class-data-sharing archive beside the jar holds
 * what an operator command loads. The launcher only ever reads the archive; it never writes one. Prints
 * nothing and exits 0 whatever happens: a missing archive costs speed, never a build.
 */
public final class ArchiveTraining {
  private static final String ENDPOINT = """
      {"name": "training", "auth_mode": "key", "scoring_uri": "https://127.0.0.1/endpoints/training/score",
       "traffic": {"blue": 90, "green": 10}, "mirror_traffic": {}, "provisioning_state": "Succeeded",
       "traffic_revision": 2, "tags": {"owner": "build"}, "description": ""}""";

  private ArchiveTraining() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    try {
      Path dir = Files.createTempDirectory("inferbus-cds-training");
      try {
        train(dir);
      } finally {
        System.setOut(out);
        System.setErr(err);
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (Throwable e) {
      err.println("inferbus: no class-data-sharing archive for the CLI (" + e + "); commands start a little slower");
    }
    System.exit(0);
  }

  private static void train(Path dir) throws Exception {
    Path keystore = dir.resolve("server.p12");
    Path ca = dir.resolve("ca.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-sigalg", "SHA256withECDSA", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
        "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "training"));
    run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
        "-storepass", "training", "-file", ca.toString()));

    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, "training".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "training".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", ArchiveTraining::answer);
    server.start();
    try {
      Path client = dir.resolve("client.json");
      Files.writeString(client, "{\"control_plane_url\": \"https://127.0.0.1:" + server.getAddress().getPort()
          + "\", \"ca_file\": \"" + ca + "\", \"token\": \"training\"}");
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      for (String[] command : List.of(
          new String[] {"online-endpoint", "show", "-n", "training"},
          new String[] {"online-endpoint", "list", "-o", "table"},
          new String[] {"online-endpoint", "show", "-n", "training", "-o", "tsv", "--query", "traffic.blue"},
          new String[] {"online-endpoint", "update", "-n", "training", "--traffic", "blue=100 green=0"},
          new String[] {"online-deployment", "list", "-e", "training", "-o", "yaml"},
          new String[] {"online-endpoint", "show", "-n", "missing"})) {
        String[] withConfig = java.util.stream.Stream.concat(java.util.Arrays.stream(command),
            java.util.stream.Stream.of("--config", client.toString())).toArray(String[]::new);
        Main.commandLine(withConfig).execute(withConfig);
      }
    } finally {
      server.stop(0);
    }
  }

  private static void answer(HttpExchange exchange) throws java.io.IOException {
    String path = exchange.getRequestURI().getPath();
    exchange.getRequestBody().readAllBytes();
    int status = 200;
    String body;
    if (path.equals("/endpoints")) {
      body = "{\"value\": [" + ENDPOINT + "]}";
    } else if (path.equals("/endpoints/training")) {
      body = ENDPOINT;
    } else if (path.equals("/endpoints/training/deployments")) {
      body = "{\"value\": [{\"name\": \"blue\", \"endpoint_name\": \"training\", \"instance_count\": 1,"
          + " \"model\": {\"name\": \"m\", \"version\": \"1\"}, \"provisioning_state\": \"Succeeded\"}]}";
    } else {
      status = 404;
      body = "{\"error\": {\"code\": \"NotFound\", \"message\": \"no " + path + "\"}}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + " failed: " + output.strip());
    }
  }
}
