package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Inference-Header-Content-Length}, read once for gateway and instance: a byte count between 0
 * and the body's length, whitespace around it ignored. Bad inputs tried: not a number, a sign,
 * negative, a fraction or an exponent, other scripts' digits, blank, whitespace inside, larger than
 * the body, larger than an int and than a long. Each is refused as bad input, the message naming the
 * header and the value.
 */
class InferenceHeaderLengthTest {
  private static final int BODY = 100;

  @Test
  void noHeaderMeansTheBodyIsAllJson() {
    assertEquals(InferenceHeaderLength.ALL_JSON, InferenceHeaderLength.parse(null, BODY));
  }

  @Test
  void aByteCountUpToTheBodysLengthIsRead() {
    assertEquals(0, InferenceHeaderLength.parse("0", BODY));
    assertEquals(42, InferenceHeaderLength.parse("42", BODY));
    assertEquals(42, InferenceHeaderLength.parse("0042", BODY));
    assertEquals(BODY, InferenceHeaderLength.parse(Integer.toString(BODY), BODY));
    assertEquals(Integer.MAX_VALUE, InferenceHeaderLength.parse("2147483647", Integer.MAX_VALUE));
  }

  @Test
  void spacesAndTabsAroundTheValueAreNotPartOfIt() {
    assertEquals(42, InferenceHeaderLength.parse(" 42", BODY));
    assertEquals(42, InferenceHeaderLength.parse("42 \t", BODY));
    assertEquals(42, InferenceHeaderLength.parse("\t 42 ", BODY));
  }

  @ParameterizedTest
  @ValueSource(strings = {"twelve", "12abc", "0x10", "1e2", "12.0", "+12", "-1", "-0", "--5", "١٢", "12\u00a0"})
  void aValueThatIsNotAByteCountIsRefused(String value) {
    assertRefusedNaming(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t\t", "1 2", "4\t2"})
  void aBlankValueOrOneWithWhitespaceInsideIsRefused(String value) {
    assertRefusedNaming(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"101", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
      "99999999999999999999999999999999"})
  void aLengthPastTheBodyIsRefusedHoweverLarge(String value) {
    assertRefusedNaming(value);
  }

  @Test
  void aLongBadValueIsCutInTheMessage() {
    String value = "9".repeat(5000);
    InferbusException e = assertBadInput(() -> InferenceHeaderLength.parse(value, BODY));
    assertTrue(e.getMessage().contains("'" + "9".repeat(32) + "...'"), e.getMessage());
    assertTrue(e.getMessage().length() < 200, e.getMessage());
  }

  private static void assertRefusedNaming(String value) {
    InferbusException e = assertBadInput(() -> InferenceHeaderLength.parse(value, BODY));
    assertEquals("Inference-Header-Content-Length must be a byte count between 0 and the body's length (" + BODY
        + "), not '" + value + "'", e.getMessage());
  }
}
