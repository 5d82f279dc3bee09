package io.inferbus.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading HTTP/1.1 answers off a raw (TLS) socket, for tests that must control what a client sends
 * and when: half a head, part of a body, several requests on one connection.
 */
public final class RawHttp {
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");

  private RawHttp() {}

  /** One answer, its head and its content-length body, from a connection that stays open after it. */
  public static String readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("the connection closed after: " + head);
      }
      head.append((char) b);
    }
    Matcher m = CONTENT_LENGTH.matcher(head);
    String body = m.find() ? new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.UTF_8) : "";
    return head + body;
  }

  /**
   * Everything the server sends until it closes the connection: the end of the stream, or a reset
   * (a server closing with unread request bytes resets the connection once its answer is out). A read
   * that times out means the server kept the connection open: an AssertionError.
   */
  public static String readUntilClosed(InputStream in) {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try {
      for (int b = in.read(); b != -1; b = in.read()) {
        answer.write(b);
      }
    } catch (SocketTimeoutException keptOpen) {
      throw new AssertionError("the server kept the connection open after: "
          + answer.toString(StandardCharsets.UTF_8), keptOpen);
    } catch (IOException reset) {
      // closed
    }
    return answer.toString(StandardCharsets.UTF_8);
  }
}
