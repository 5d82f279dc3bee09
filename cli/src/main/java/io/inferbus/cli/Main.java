package io.inferbus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code inferbus} executable. */
@Command(name = "inferbus",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Self-hosted real-time model serving: HTTPS scoring endpoints for ONNX models.",
    subcommands = {StartCommand.class, NodeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  public static void main(String[] args) {
    // Before any Hazelcast class loads: log through SLF4J like everything else.
    System.setProperty("hazelcast.logging.type", "slf4j");
    int exit = new CommandLine(new Main()).setAbbreviatedOptionsAllowed(true).execute(args);
    if (exit != 0 || !NodeRunner.isServing()) {
      System.exit(exit);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"inferbus " + io.inferbus.gateway.GatewayVerticle.VERSION};
    }
  }
}
