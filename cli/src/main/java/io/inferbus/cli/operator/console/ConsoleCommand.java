package io.inferbus.cli.operator.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code inferbus console}: a link that signs a browser in to the web console as this CLI's token
 * (POST /console/codes), printed alone on stdout and, on a desktop, opened. The link carries a
 * one-time code, not the token: it works once, within 60 s.
 */
@Command(name = "console",
    description = {"Open the web console signed in with this CLI's operator token: prints a link that works once "
        + "within 60 s (the URL alone on stdout), and opens it in the browser on a desktop."},
    footer = {"", "Examples:", "  inferbus console", "  INFERBUS_TOKEN=\"$TOKEN\" inferbus console --no-browser"})
public final class ConsoleCommand extends OperatorCommand {
  @Spec
  CommandSpec spec;

  @Option(names = "--no-browser", description = "Print the link only; do not open a browser.")
  boolean noBrowser;

  @Override
  protected void execute() {
    JsonNode issued = client().post("/console/codes", Json.object());
    String url = issued.path("url").asText();
    if (spec.commandLine().getParseResult().hasMatchedOption("--output") || options.query != null) {
      print(issued);
    } else {
      System.out.println(url); // alone, for URL=$(inferbus console --no-browser)
    }
    note("This link opens the console signed in as " + issued.path("subject").asText() + " ("
        + issued.path("role").asText() + "); the link works once within 60 s.");
    Optional<List<String>> opener = noBrowser ? Optional.empty() : Browser.command(url);
    if (opener.isPresent()) {
      String failed = Browser.open(opener.get());
      if (failed != null) {
        note("Could not open a browser (" + failed + "): open the link yourself.");
      }
    }
  }
}
