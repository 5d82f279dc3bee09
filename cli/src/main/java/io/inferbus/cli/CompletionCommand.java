package io.inferbus.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code inferbus completion bash|zsh}: a shell completion script for every command and flag. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = "Print a shell completion script (bash, or zsh through bashcompinit).",
    footer = {"", "Examples:", "  source <(./inferbus completion bash)",
        "  ./inferbus completion zsh > ~/.zsh/_inferbus   # zsh: sourced from .zshrc"})
final class CompletionCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  String shell;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      System.err.println("ERROR: completion for '" + shell + "' is not available; choose bash or zsh");
      return 2;
    }
    // the script picocli writes sets up bashcompinit itself when zsh runs it
    System.out.print(AutoComplete.bash("inferbus", spec.root().commandLine()));
    return 0;
  }
}
