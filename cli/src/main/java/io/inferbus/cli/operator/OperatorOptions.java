package io.inferbus.cli.operator;

import io.inferbus.cli.operator.output.OutputFormat;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every operator command takes, as az's global arguments. */
public final class OperatorOptions {
  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "json",
      converter = OutputFormat.Converter.class,
      description = "Output format: json, yaml, table, tsv, none (default: json); md for online-endpoint "
          + "evidence.")
  public OutputFormat output;

  @Option(names = "--query", paramLabel = "JMESPATH",
      description = "JMESPath query applied to the answer before it is formatted, e.g. --query traffic.")
  public String query;

  @Option(names = "--debug", description = "Show the stack trace of an unexpected failure.")
  public boolean debug;

  @Option(names = "--only-show-errors", description = "Print no notes on stderr, only errors.")
  public boolean onlyShowErrors;

  @Option(names = "--config", paramLabel = "FILE",
      description = "client.json to use (default: $INFERBUS_CONFIG, ./.inferbus-data/client.json, the one beside "
          + "the inferbus executable, ~/.inferbus/client.json).")
  public Path config;

  @Option(names = "--endpoint-url", paramLabel = "URL",
      description = "Control-plane URL, overriding client.json's control_plane_url.")
  public String endpointUrl;

  @Option(names = "--token", paramLabel = "JWT",
      description = "Operator token, overriding client.json's token (INFERBUS_TOKEN does the same without "
          + "showing it in the process list).")
  public String token;
}
