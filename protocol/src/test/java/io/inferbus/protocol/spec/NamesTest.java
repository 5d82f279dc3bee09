package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
  private static final String NAME_32 = "a" + "b1-c".repeat(7) + "xyz"; // 1 + 28 + 3 = 32
  private static final String NAME_33 = NAME_32 + "q";

  @Test
  void lengthsOfTheEdgeNamesAreWhatTheTestsClaim() {
    assertEquals(32, NAME_32.length());
    assertEquals(33, NAME_33.length());
  }

  // ------------------------------------------------------------ endpoints and deployments

  @ParameterizedTest
  @ValueSource(strings = {"abc", "a-b", "a-b-c", "Credit", "credit-v2", "blue1", "B2b", "x1-2y"})
  void validEndpointAndDeploymentNamesAreReturnedUnchanged(String name) {
    assertEquals(name, Names.endpoint(name));
    assertEquals(name, Names.deployment(name));
  }

  @Test
  void thirtyTwoCharactersIsTheLongestName() {
    assertEquals(NAME_32, Names.endpoint(NAME_32));
    assertEquals(NAME_32, Names.deployment(NAME_32));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "a", "1abc", "-abc", "a--b", "abc-", "héllo", "abc_d", "abc d", "ab.c", "abc/..",
      "ÄBC", "abc\n", "١٢٣abc"})
  void invalidEndpointNamesAreRefusedQuotingTheNameAndTheRule(String name) {
    refused("endpoint", () -> Names.endpoint(name), "'" + name + "' is not a valid endpoint name",
        "3-32 characters", "starting with a letter", "letters, digits and single dashes", "not ending with a dash");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "1abc", "a--b", "abc-", "héllo"})
  void invalidDeploymentNamesAreRefusedAsDeploymentNames(String name) {
    refused("deployment", () -> Names.deployment(name), "'" + name + "' is not a valid deployment name",
        "3-32 characters", "starting with a letter", "single dashes");
  }

  @Test
  void thirtyThreeCharactersIsTooLong() {
    refused("endpoint", () -> Names.endpoint(NAME_33), NAME_33, "3-32 characters");
    refused("deployment", () -> Names.deployment(NAME_33), NAME_33, "3-32 characters");
  }

  @ParameterizedTest
  @NullAndEmptySource
  void missingNameIsRefused(String name) {
    refused("endpoint", () -> Names.endpoint(name), "is not a valid endpoint name", "3-32 characters");
  }

  // ------------------------------------------------------------ models and versions

  @ParameterizedTest
  @ValueSource(strings = {"credit", "m", "7", "credit.onnx", "credit_v2", "credit-v2", "A.b_c-1"})
  void validModelNames(String name) {
    assertEquals(name, Names.model(name));
  }

  @Test
  void modelNamesUpTo64Characters() {
    assertEquals("m".repeat(64), Names.model("m".repeat(64)));
    refused("model", () -> Names.model("m".repeat(65)), "1-64 characters");
  }

  @ParameterizedTest
  @ValueSource(strings = {"_credit", ".hidden", "-credit", "..", "a/b", "../etc", "cré", "a b"})
  void invalidModelNamesAreRefusedWithTheRuleTheyBreak(String name) {
    refused("model", () -> Names.model(name), "'" + name + "' is not a valid model name", "1-64 characters",
        "starting with a letter or digit");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "3", "1.0.0", "v2", "2024-01-01", "rc_1"})
  void validModelVersions(String version) {
    assertEquals(version, Names.version(version));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".1", "..", "-1", "1/2", "1 2"})
  void invalidModelVersionsAreRefused(String version) {
    refused("model version", () -> Names.version(version), "'" + version + "' is not a valid model version",
        "1-32 characters", "starting with a letter or digit");
  }

  @Test
  void modelVersionsUpTo32Characters() {
    assertEquals("9".repeat(32), Names.version("9".repeat(32)));
    refused("model version", () -> Names.version("9".repeat(33)), "1-32 characters");
  }
}
