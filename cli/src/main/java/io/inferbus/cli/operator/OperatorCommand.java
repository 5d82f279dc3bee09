package io.inferbus.cli.operator;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.ControlPlaneClient.ApiException;
import io.inferbus.cli.operator.output.Output;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command of the operator CLI: runs, prints its answer in the chosen format, and turns every
 * failure into one line on stderr and az's exit codes (no stack trace unless {@code --debug}).
 */
public abstract class OperatorCommand implements Callable<Integer> {
  @Mixin
  public OperatorOptions options;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  private ControlPlaneClient client;

  /** Does the work; prints through {@link #print}. */
  protected abstract void execute();

  @Override
  public final Integer call() {
    PrintStream err = System.err;
    try {
      execute();
      return 0;
    } catch (CliException e) {
      err.println("ERROR: " + e.getMessage());
      if (options.debug && e.getCause() != null) {
        e.printStackTrace(err);
      }
      return e.exitCode();
    } catch (ApiException e) {
      err.println("ERROR: (" + e.code() + ") " + e.getMessage());
      return e.status() == 404 ? CliException.NOT_FOUND : CliException.ERROR;
    } catch (RuntimeException e) {
      err.println("ERROR: " + e + (options.debug ? "" : " (--debug shows where)"));
      if (options.debug) {
        e.printStackTrace(err);
      }
      return CliException.ERROR;
    }
  }

  /** The control plane, as client.json and the flags describe it (resolved on first use). */
  protected ControlPlaneClient client() {
    if (client == null) {
      client = new ControlPlaneClient(ClientConfig.resolve(options.config, options.endpointUrl, options.token,
          System.getenv()));
    }
    return client;
  }

  /** Prints {@code answer} with {@code --query} and {@code --output}. */
  protected void print(JsonNode answer) {
    print(answer, null);
  }

  /**
   * Prints {@code answer}; for {@code -o table} without {@code --query}, {@code tableRows} first turns it
   * into the rows to show (az's table transformers).
   */
  protected void print(JsonNode answer, UnaryOperator<JsonNode> tableRows) {
    Output.print(answer, options.output, options.query, tableRows, System.out);
  }

  /** A one-line note on stderr (suppressed by --only-show-errors). */
  protected void note(String line) {
    if (line != null && !options.onlyShowErrors) {
      System.err.println(line);
    }
  }
}
