package io.inferbus.gateway.scoring;

import java.util.UUID;
import java.util.regex.Pattern;

/** Request ids: the caller's {@code x-request-id} when it is a sane id, else a new UUID. */
public final class RequestIds {
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private RequestIds() {}

  public static String accept(String callerId) {
    return callerId != null && SANE.matcher(callerId).matches() ? callerId : UUID.randomUUID().toString();
  }
}
