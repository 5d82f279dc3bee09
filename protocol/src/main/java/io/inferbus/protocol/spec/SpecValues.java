package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks every spec parser shares, each refusing with {@link FailureKind#BAD_INPUT}, the field
 * as target and a message that names the field, the value and what would be right.
 */
public final class SpecValues {
  private SpecValues() {}

  /** A whole number from {@code min} to {@code max}; {@code fallback} when absent. */
  public static int wholeNumber(Object value, String field, int fallback, int min, int max) {
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      throw new InferbusException(FailureKind.BAD_INPUT, field + " is " + shown(value) + "; use a whole number from "
          + min + " to " + max, field);
    }
    return ((Number) value).intValue();
  }

  /** A value as the client sent it: text in quotes (so "2" is seen to be text, not a number). */
  public static String shown(Object value) {
    return value instanceof String s ? Json.encode(s) : String.valueOf(value);
  }

  /** {@code json}'s field as a whole number from {@code min} to {@code max}; {@code fallback} when absent. */
  public static int wholeNumber(JsonObject json, String field, int fallback, int min, int max) {
    return wholeNumber(json.getValue(field), field, fallback, min, max);
  }

  /** An object of strings ({@code tags}); values that are not strings are kept as their text. Empty when absent. */
  public static Map<String, String> strings(Object value, String field) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject o)) {
      throw new InferbusException(FailureKind.BAD_INPUT, field + " must be an object of strings", field);
    }
    Map<String, String> out = new LinkedHashMap<>();
    o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return Collections.unmodifiableMap(out);
  }

  /** A text field; {@code fallback} when absent. */
  public static String text(Object value, String field, String fallback) {
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s)) {
      throw new InferbusException(FailureKind.BAD_INPUT, field + " must be a string, got " + value, field);
    }
    return s;
  }

  /** A body's {@code field} (a name the path also gives) must be absent or equal to the path's. */
  public static void samePathName(JsonObject body, String field, String expected) {
    Object v = body.getValue(field);
    if (v != null && !expected.equals(v)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body's " + field + " '" + v
          + "' differs from the path's '" + expected + "'", field);
    }
  }

  /** The body's fields that a resource does not know, sorted: reported back as {@code ignored_fields}. */
  public static List<String> unknownFields(JsonObject body, Set<String> known) {
    return body.fieldNames().stream().filter(f -> !known.contains(f)).sorted().toList();
  }

  /** Refuses the first field of a PATCH body that is not in {@code patchable}. */
  public static void onlyPatchable(JsonObject body, Set<String> patchable, String takes) {
    for (String field : body.fieldNames()) {
      if (!patchable.contains(field)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "field '" + field + "' cannot be patched; PATCH takes "
            + takes, field);
      }
    }
  }

  /** An object's fields must all be in {@code known}; the message lists what it takes. */
  public static void onlyKnown(JsonObject json, String field, Set<String> known, String takes) {
    for (String f : json.fieldNames()) {
      if (!known.contains(f)) {
        throw new InferbusException(FailureKind.BAD_INPUT, field + " has unknown field '" + f + "'; it takes "
            + takes, f);
      }
    }
  }
}
