package io.inferbus.cli.operator.spec;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of the commands that take a spec: {@code --file}, {@code --set}, {@code --force-string}. */
public final class SpecOptions {
  @Option(names = {"-f", "--file"}, paramLabel = "YAML",
      description = "YAML file with the spec, in Azure's field names (paths in it are relative to the file).")
  public Path file;

  @Option(names = "--set", paramLabel = "FIELD=VALUE", arity = "1..*",
      description = "Set fields, dotted paths, several at once: e.g. --set instance_count=2 tags.owner=risk.")
  public List<String> set;

  @Option(names = "--force-string", description = "Keep --set values as strings instead of reading them as JSON.")
  public boolean forceString;

  public SetOverrides overrides() {
    return SetOverrides.parse(set, forceString);
  }

  /** The file (or an empty spec) with the --set overrides applied. */
  public SpecFile readWithOverrides() {
    return SpecFile.read(file).apply(overrides());
  }
}
