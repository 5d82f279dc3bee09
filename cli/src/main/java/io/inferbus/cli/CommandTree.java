package io.inferbus.cli;

import io.inferbus.cli.operator.console.ConsoleCommand;
import io.inferbus.cli.operator.deployment.OnlineDeploymentCommand;
import io.inferbus.cli.operator.endpoint.OnlineEndpointCommand;
import io.inferbus.cli.operator.endpoint.RolloutCommand;
import io.inferbus.cli.operator.model.ModelCommand;
import io.inferbus.cli.operator.token.TokenCommand;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every command of the executable, and the picocli tree built for one command line. picocli
 * reflects on each command it is given, which for the whole tree costs more than the rest of an
 * operator command (about 0.35 s of a 0.5 s run on 2 cores), so only the path the arguments name is
 * built; help, completion and anything unknown get the whole tree.
 */
final class CommandTree {
  private static final Map<Class<?>, List<Class<?>>> CHILDREN = Map.of(
      Main.class, List.of(StartCommand.class, NodeCommand.class, ClusterCommand.class, OnlineEndpointCommand.class,
          OnlineDeploymentCommand.class, ModelCommand.class, TokenCommand.class, ConsoleCommand.class,
          CompletionCommand.class, CommandLine.HelpCommand.class),
      ClusterCommand.class, ClusterCommand.SUBCOMMANDS,
      OnlineEndpointCommand.class, OnlineEndpointCommand.SUBCOMMANDS,
      RolloutCommand.class, RolloutCommand.SUBCOMMANDS,
      OnlineDeploymentCommand.class, OnlineDeploymentCommand.SUBCOMMANDS,
      ModelCommand.class, ModelCommand.SUBCOMMANDS,
      TokenCommand.class, TokenCommand.SUBCOMMANDS);

  private CommandTree() {}

  /** The command line for {@code args}: the commands they name, or all of them. */
  static CommandLine forArguments(CommandLine root, String[] args) {
    boolean whole = args.length > 0 && (args[0].equals("completion") || args[0].equals("help"));
    add(root, Main.class, args, 0, whole);
    return root;
  }

  private static void add(CommandLine parent, Class<?> command, String[] args, int depth, boolean whole) {
    List<Class<?>> children = CHILDREN.getOrDefault(command, List.of());
    String named = !whole && depth < args.length ? args[depth] : null;
    Class<?> only = null;
    for (Class<?> child : children) {
      if (name(child).equals(named)) {
        only = child;
      }
    }
    for (Class<?> child : children) {
      if (only == null || child == only) {
        CommandLine sub = new CommandLine(child);
        parent.addSubcommand(name(child), sub);
        // a group named on the command line, or the whole tree: its own subcommands too
        if (whole || child == only) {
          add(sub, child, args, depth + 1, whole);
        }
      }
    }
  }

  private static String name(Class<?> command) {
    return command.getAnnotation(Command.class).name();
  }
}
