package io.inferbus.cli.operator.output;

import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/**
 * {@code -o/--output}: az's output formats, and {@code md}: a markdown page, which only the commands
 * that render one take ({@code online-endpoint evidence}).
 */
public enum OutputFormat {
  JSON, YAML, TABLE, TSV, NONE, MD;

  public static final class Converter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not one of "
            + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
      }
    }
  }
}
