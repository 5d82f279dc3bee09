package io.inferbus.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code inferbus} executable: the server commands ({@code start}, {@code node}) and the operator
 * commands ({@code online-endpoint}, {@code online-deployment}, {@code model}, {@code token},
 * {@code console}), which are plain HTTPS clients of the control plane and load none of the server's
 * classes.
 */
@Command(name = "inferbus",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Self-hosted real-time model serving: HTTPS scoring endpoints for ONNX models.",
    footer = {"", "Examples:", "  ./inferbus start", "  ./inferbus online-endpoint list -o table",
        "  ./inferbus online-endpoint invoke -n credit --request-file examples/credit-scoring/sample-request.json"})
public final class Main implements Runnable {
  /** Set once a node serves: the JVM then stays up after the command returns, until a signal. */
  static volatile boolean serving;

  public static void main(String[] args) {
    // Before any Hazelcast class loads: log through SLF4J like everything else.
    System.setProperty("hazelcast.logging.type", "slf4j");
    int exit = commandLine(args).execute(args);
    if (exit != 0 || !serving) {
      System.exit(exit);
    }
  }

  /** The command line with az's conventions: flag prefixes, "ERROR: ..." and exit code 2 for usage errors. */
  static CommandLine commandLine(String[] args) {
    CommandLine cli = CommandTree.forArguments(new CommandLine(new Main()), args).setAbbreviatedOptionsAllowed(true)
        .setUsageHelpWidth(110);
    cli.setParameterExceptionHandler((e, given) -> {
      PrintWriter err = e.getCommandLine().getErr();
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      err.println("ERROR: " + (message.startsWith("Error: ") ? message.substring(7) : message));
      if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
        CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
      }
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      err.println("Try '" + command + " --help' for the options and an example.");
      err.flush();
      return 2;
    });
    return cli;
  }

  @Override
  public void run() {
    commandLine(new String[0]).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"inferbus " + io.inferbus.gateway.GatewayVerticle.VERSION};
    }
  }
}
