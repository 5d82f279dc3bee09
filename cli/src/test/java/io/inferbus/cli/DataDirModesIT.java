package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.Https;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh data directory as {@code ./inferbus start} leaves it once it has served: the directory and
 * every directory under it 0700, every file 0600 (store, keys, cluster id, client.json, logs, model
 * copies), so no other local account can read a key or learn the cluster's name; and a directory a
 * user made world-readable by hand is made owner-only again at the next start. The health and
 * metrics port answers on loopback only by default.
 */
class DataDirModesIT {
  @TempDir
  Path tmp;

  private Process start(Path dataDir, Path out) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("./inferbus", "start", "--data-dir", dataDir.toString(), "--gateway-port",
        "0", "--control-port", "0", "--management-port", "0").directory(new File(".."))
        .redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("INFERBUS_NO_BUILD", "1");
    Process p = pb.start();
    Await.until("inferbus start serving", Duration.ofMinutes(3), () -> read(out).contains("Ctrl-C stops it")
        || !p.isAlive());
    assertTrue(p.isAlive(), read(out));
    return p;
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (Exception e) {
      return "";
    }
  }

  private static List<String> notOwnerOnly(Path dataDir) throws Exception {
    List<String> loose = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dataDir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        String expected = Files.isDirectory(p) ? "rwx------" : "rw-------";
        if (!mode.equals(expected)) {
          loose.add(dataDir.relativize(p) + " " + mode);
        }
      }
    }
    return loose;
  }

  private static void stop(Process p) throws Exception {
    p.destroy();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
  }

  @Test
  void everythingTheNodeWritesIsItsOwnersAlone() throws Exception {
    Path dataDir = tmp.resolve("data");
    Process node = start(dataDir, tmp.resolve("out-1.txt"));
    try {
      JsonObject client = new JsonObject(Files.readString(dataDir.resolve("client.json")));
      JsonObject ports = new JsonObject(Files.readString(dataDir.resolve("ports.json")));
      Https https = new Https(Path.of(client.getString("ca_file")));
      String key = new JsonObject(https.send("POST", client.getString("control_plane_url") + "/endpoints/credit/keys",
          client.getString("token"), null, null).body()).getString("primaryKey");
      assertEquals(200, https.send("POST", "https://127.0.0.1:" + ports.getInteger("gateway") + "/endpoints/credit/score",
          key, "application/json", Files.readAllBytes(Path.of("..", "examples", "credit-scoring",
              "sample-request.json"))).statusCode());
      Await.until("the traffic log written", Duration.ofSeconds(10),
          () -> Files.exists(dataDir.resolve("logs").resolve("traffic.log")));
      for (String secret : List.of("inferbus.db", "cluster-id", "client.json", "secrets/signing-key.pem",
          "secrets/vault.key", "cluster/ca-key.pem", "tls/server-key.pem", "logs/traffic.log")) {
        assertTrue(Files.exists(dataDir.resolve(secret)), secret);
      }
      assertEquals(List.of(), notOwnerOnly(dataDir), "entries other accounts could read");
      assertTrue(!Files.exists(dataDir.resolve("tls").resolve("ca-key.pem")),
          "the HTTPS CA's key is not kept once it has signed the server certificate");
      int management = ports.getInteger("management");
      assertTrue(read(tmp.resolve("out-1.txt")).contains("health/metrics: http://127.0.0.1:" + management),
          read(tmp.resolve("out-1.txt")));
    } finally {
      stop(node);
    }

    // a user loosened the directory by hand; the next start makes it owner-only again
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dataDir.resolve("cluster-id"), PosixFilePermissions.fromString("rw-r--r--"));
    Process again = start(dataDir, tmp.resolve("out-2.txt"));
    try {
      assertEquals(List.of(), notOwnerOnly(dataDir));
    } finally {
      stop(again);
    }
  }
}
