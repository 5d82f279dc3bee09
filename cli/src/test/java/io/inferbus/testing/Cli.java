package io.inferbus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code ./inferbus} launcher run as a user runs it: a separate process, stdin not a
 * terminal, its client configuration from {@code INFERBUS_CONFIG}. The jar must have been built
 * (the tests run after mvn's package phase; {@code INFERBUS_NO_BUILD} makes a stale jar an error,
 * never a build inside a test).
 */
public final class Cli {
  /** The repository's root, where ./inferbus is. */
  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final long TIMEOUT_SECONDS = 180;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> env = new HashMap<>();
  private final Path directory;

  private Cli(Map<String, String> env, Path directory) {
    this.env.putAll(env);
    this.directory = directory;
  }

  /** The CLI of a node whose client.json is {@code clientJson}. */
  public static Cli of(Path clientJson) {
    return new Cli(Map.of("INFERBUS_CONFIG", clientJson.toAbsolutePath().toString(), "INFERBUS_NO_BUILD", "1"), ROOT);
  }

  /** The same CLI, run from {@code dir}. */
  public Cli in(Path dir) {
    return new Cli(env, dir);
  }

  /** The same CLI with an environment variable set (or removed, for null). */
  public Cli with(String name, String value) {
    Cli copy = new Cli(env, directory);
    if (value == null) {
      copy.env.remove(name);
    } else {
      copy.env.put(name, value);
    }
    return copy;
  }

  /** {@code ./inferbus args...}. */
  public Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("inferbus").toString());
    command.addAll(List.of(args));
    return exec(command, null);
  }

  /** A bash script (e.g. commands copied from the docs), with the root on PATH so "inferbus" runs ./inferbus. */
  public Result bash(String script) {
    return exec(List.of("bash", "-c", script), null);
  }

  /** {@code ./inferbus args...} with {@code input} on stdin (still not a terminal). */
  public Result runWithInput(String input, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("inferbus").toString());
    command.addAll(List.of(args));
    return exec(command, input);
  }

  private Result exec(List<String> command, String input) {
    try {
      Path out = Files.createTempFile("inferbus-cli", ".out");
      Path err = Files.createTempFile("inferbus-cli", ".err");
      Path in = Files.createTempFile("inferbus-cli", ".in");
      Files.writeString(in, input == null ? "" : input);
      ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(in.toFile());
      builder.environment().putAll(env);
      builder.environment().put("PATH", ROOT + File.pathSeparator + System.getenv("PATH"));
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s; stderr: "
            + Files.readString(err));
      }
      Result result = new Result(String.join(" ", command), process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      Files.deleteIfExists(in);
      return result;
    } catch (IOException e) {
      throw new AssertionError("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }

  /** What a command did: its exit code and what it printed. */
  public record Result(String command, int exit, String stdout, String stderr) {
    /** Asserts exit 0; returns this. */
    public Result ok() {
      assertEquals(0, exit, () -> command + " failed: " + this);
      return this;
    }

    /** Asserts a given exit code; returns this. */
    public Result exits(int code) {
      assertEquals(code, exit, () -> command + ": " + this);
      return this;
    }

    public JsonNode json() {
      try {
        return JSON.readTree(stdout);
      } catch (IOException e) {
        throw new AssertionError(command + " did not print JSON: " + this, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }
}
