package io.inferbus.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two Linux network namespaces, A and B, made with {@code ip netns} for one test: B reaches A over a
 * veth pair that {@link #cut()} takes down ({@code ip link set ... down} on B's end, a cable pulled
 * out of B) and {@link #heal()} brings up again, while the processes on both sides keep running. A
 * second veth pair joins A to this (the root) namespace, so that the test's own HTTP client reaches
 * what listens on A's address; B is reachable from A only. Nothing leaves the machine: the addresses
 * are in one {@code 10.231.x.0/24} that no route of the machine uses.
 *
 * <pre>
 *   root namespace            namespace A                 namespace B
 *   10.231.x.254 ── veth ──   10.231.x.1   ── veth ──      10.231.x.2
 *                             (route to .2 over it)   (cut: B's end down)
 * </pre>
 *
 * {@link #close()} kills what still runs in the namespaces (only this test's processes can run
 * there) and deletes them, which deletes the veth pairs with them; a shutdown hook does the same if
 * the JVM ends first.
 */
public final class NamespaceNetwork implements AutoCloseable {
  /** The machine would not make or enter a network namespace (not root, a container without the right). */
  public static final class Refused extends Exception {
    Refused(String reason) {
      super(reason);
    }
  }

  private static final String SUBNET_PREFIX = "10.231.";
  private final String namespaceA;
  private final String namespaceB;
  private final String hostEnd;
  private final String linkB;
  private final String subnet;
  private final Thread cleanup;
  private boolean closed;

  private NamespaceNetwork(String suffix, String subnet) {
    this.namespaceA = "inferbus-a-" + suffix;
    this.namespaceB = "inferbus-b-" + suffix;
    this.hostEnd = "ibh" + suffix; // interface names: at most 15 characters
    this.linkB = "ibb" + suffix;
    this.subnet = subnet;
    this.cleanup = new Thread(this::deleteQuietly, "namespace-network-cleanup");
  }

  /**
   * Makes the namespaces and links. {@link Refused} when this machine cannot make network namespaces
   * at all (the caller skips, printing why); any later step that fails is an error, and what was
   * made is deleted before it is thrown.
   */
  public static NamespaceNetwork create() throws Refused, IOException, InterruptedException {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      throw new Refused("network namespaces are Linux's; this is " + System.getProperty("os.name"));
    }
    byte[] random = new byte[3];
    new SecureRandom().nextBytes(random);
    NamespaceNetwork net = new NamespaceNetwork(HexFormat.of().formatHex(random), freeSubnet());
    Runtime.getRuntime().addShutdownHook(net.cleanup);
    try {
      Result made = ip("netns", "add", net.namespaceA);
      if (made.exit() != 0) {
        throw new Refused("`ip netns add` failed: " + made.output().strip());
      }
      Result entered = run(List.of("ip", "netns", "exec", net.namespaceA, "true"));
      if (entered.exit() != 0) {
        throw new Refused("`ip netns exec` failed: " + entered.output().strip());
      }
      net.link();
      return net;
    } catch (Refused | IOException | RuntimeException | InterruptedException e) {
      net.close();
      throw e;
    }
  }

  private void link() throws IOException, InterruptedException {
    String hostToA = "iba" + hostEnd.substring(3);
    String aToB = "ibp" + hostEnd.substring(3);
    check(ip("netns", "add", namespaceB));
    check(ip("link", "add", hostEnd, "type", "veth", "peer", "name", hostToA, "netns", namespaceA));
    check(ip("-n", namespaceA, "link", "add", aToB, "type", "veth", "peer", "name", linkB, "netns", namespaceB));
    check(ip("addr", "add", subnet + "254/24", "dev", hostEnd));
    check(ip("link", "set", hostEnd, "up"));
    check(ip("-n", namespaceA, "link", "set", "lo", "up"));
    check(ip("-n", namespaceA, "addr", "add", addressA() + "/24", "dev", hostToA));
    check(ip("-n", namespaceA, "link", "set", hostToA, "up"));
    check(ip("-n", namespaceA, "link", "set", aToB, "up"));
    // B over its own link, not the one to the root namespace: the cut then silences B for A (its
    // route stays, the link has no carrier) instead of A failing fast with "no route"
    check(ip("-n", namespaceA, "route", "add", addressB() + "/32", "dev", aToB, "src", addressA()));
    check(ip("-n", namespaceB, "link", "set", "lo", "up"));
    check(ip("-n", namespaceB, "addr", "add", addressB() + "/24", "dev", linkB));
    check(ip("-n", namespaceB, "link", "set", linkB, "up"));
  }

  /** A /24 under 10.231 that no address or route of the root namespace touches. */
  private static String freeSubnet() throws IOException, InterruptedException {
    String used = run(List.of("ip", "-4", "-o", "addr", "show")).output() + run(List.of("ip", "-4", "route", "show")).output();
    SecureRandom random = new SecureRandom();
    for (int attempt = 0; attempt < 50; attempt++) {
      String candidate = SUBNET_PREFIX + random.nextInt(256) + ".";
      if (!used.contains(candidate)) {
        return candidate;
      }
    }
    throw new IOException("every 10.231.x.0/24 tried is in use on this machine: " + used);
  }

  public String namespaceA() {
    return namespaceA;
  }

  public String namespaceB() {
    return namespaceB;
  }

  public String addressA() {
    return subnet + "1";
  }

  public String addressB() {
    return subnet + "2";
  }

  /** Addresses of both namespaces, as a Hazelcast {@code <interface>} pattern. */
  public String interfacePattern() {
    return subnet + "*";
  }

  /** The command prefix that runs a program in namespace A. */
  public List<String> inA() {
    return List.of("ip", "netns", "exec", namespaceA);
  }

  /** The command prefix that runs a program in namespace B. */
  public List<String> inB() {
    return List.of("ip", "netns", "exec", namespaceB);
  }

  /** Runs {@code command} in namespace B and returns what it printed; fails unless it exits 0. */
  public String execInB(String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(inB());
    full.addAll(List.of(command));
    Result r = run(full);
    if (r.exit() != 0) {
      throw new IOException(command[0] + " in " + namespaceB + " exited " + r.exit() + ": " + r.output().strip());
    }
    return r.output();
  }

  /** Takes B's end of the A-B link down: from now on nothing passes between A and B, both keep running. */
  public void cut() throws IOException, InterruptedException {
    check(ip("-n", namespaceB, "link", "set", linkB, "down"));
  }

  /** Brings B's end of the link up again. */
  public void heal() throws IOException, InterruptedException {
    check(ip("-n", namespaceB, "link", "set", linkB, "up"));
  }

  /** Kills what still runs in the namespaces, deletes them (and so their links); closing twice is harmless. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deleteQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private void deleteQuietly() {
    for (String ns : List.of(namespaceA, namespaceB)) {
      try {
        // only this test's processes run in its namespaces: they are killed by id
        for (String pid : run(List.of("ip", "netns", "pids", ns)).output().split("\\s+")) {
          if (pid.matches("\\d+")) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
              p.destroyForcibly();
              p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
            });
          }
        }
        run(List.of("ip", "netns", "del", ns));
      } catch (IOException | InterruptedException e) {
        System.err.println("could not delete network namespace " + ns + ": " + e);
      }
    }
    try {
      // gone with namespace A's end already; only if A was never made
      run(List.of("ip", "link", "del", hostEnd));
    } catch (IOException | InterruptedException e) {
      System.err.println("could not delete " + hostEnd + ": " + e);
    }
  }

  /** Whether a namespace of this name exists (after {@link #close()}: it should not). */
  public static boolean exists(String namespace) throws IOException, InterruptedException {
    return run(List.of("ip", "netns", "list")).output().lines().anyMatch(l -> l.split(" ")[0].equals(namespace));
  }

  private record Result(int exit, String output) {}

  private static Result ip(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(arguments));
    return run(command);
  }

  private static void check(Result r) throws IOException {
    if (r.exit() != 0) {
      throw new IOException("ip exited " + r.exit() + ": " + r.output().strip());
    }
  }

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException notInstalled) {
      throw new IOException(command.get(0) + " cannot run (on Debian it is in the iproute2 package): "
          + notInstalled.getMessage(), notInstalled);
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 30 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8) + (p.exitValue() != 0
        ? " (" + String.join(" ", command) + ")" : ""));
  }
}
