package io.inferbus.monitoring;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, as written ({@code foo_bucket} stays {@code foo_bucket}):
 * every identifier that is not a function or aggregation being called, an operator keyword, a label
 * name (inside {@code {...}} or a {@code by/without/on/ignoring/group_left/group_right} list), a
 * duration or a Grafana variable. Enough PromQL for dashboards and alert rules, not a parser.
 */
final class PromQl {
  private PromQl() {}

  /** Functions and aggregations of Prometheus 2.x; a call of anything else is an error in the expression. */
  static final Set<String> FUNCTIONS = Set.of(
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
      "quantile", "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
      "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor",
      "histogram_count", "histogram_sum", "histogram_fraction", "histogram_quantile", "holt_winters", "hour",
      "idelta", "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute", "month",
      "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time",
      "timestamp", "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
      "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time",
      "present_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh",
      "tan", "tanh", "deg", "rad", "pi", "start", "end");
  /** Words that are operators or literals, never metrics. */
  static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?\\w+(?::\\w+)?}?");
  // not preceded by a word character, '.' or ':' so that 1e3, 5m and 0x1F yield nothing
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  static Set<String> metricNames(String expression) {
    String s = STRING.matcher(expression).replaceAll(" \"\" ");
    s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = BRACKETS.matcher(s).replaceAll(" ");
    s = LABEL_LIST.matcher(s).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String word = m.group(1);
      if (m.group(2) != null) {
        if (!FUNCTIONS.contains(word)) {
          throw new IllegalArgumentException("'" + word + "(' is not a PromQL function, in: " + expression);
        }
      } else if (!KEYWORDS.contains(word.toLowerCase())) {
        names.add(word);
      }
    }
    return names;
  }
}
