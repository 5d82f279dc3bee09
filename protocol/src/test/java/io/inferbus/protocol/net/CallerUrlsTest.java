package io.inferbus.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CallerUrlsTest {
  @Test
  void aHostWithItsPort() {
    assertEquals("https://inferbus.example:8444", CallerUrls.baseUrl("inferbus.example", 8444));
    assertEquals("https://127.0.0.1:8443", CallerUrls.baseUrl("127.0.0.1", 8443));
  }

  @Test
  void theDefaultPortAndNoPortAreLeftOut() {
    assertEquals("https://inferbus.example", CallerUrls.baseUrl("inferbus.example", 443));
    assertEquals("https://inferbus.example", CallerUrls.baseUrl("inferbus.example", -1));
  }

  @Test
  void anIpv6LiteralGoesInBrackets() {
    assertEquals("https://[::1]:8444", CallerUrls.baseUrl("::1", 8444));
    assertEquals("https://[::1]:8444", CallerUrls.baseUrl("[::1]", 8444));
  }
}
