package io.inferbus.controlplane.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.testing.ControlPlaneTestBase;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * {@code auth_mode} on {@code PUT /endpoints/{e}}: one of key, aml_token, aad_token (absent or null:
 * key); anything else, including a value that is not a string, is a 400 naming the three, never a
 * 500. A PUT changes the mode, and gateways see the change in the endpoint table.
 */
class AuthModeValidationTest extends ControlPlaneTestBase {
  private static final Actor ALICE = new Actor("alice", "req-alice");
  @Test
  void eachModeIsAcceptedAndPublished() throws Exception {
    for (String mode : new String[] {"key", "aml_token", "aad_token"}) {
      cp.expect(201, () -> cp.endpoints().put("ep-" + mode.replace('_', '-'),
          new JsonObject().put("auth_mode", mode), ALICE));
      assertEquals(mode, cp.endpoint("ep-" + mode.replace('_', '-')).getString("auth_mode"));
      assertEquals(mode, cp.published("ep-" + mode.replace('_', '-')).authMode());
    }
  }

  @Test
  void absentOrNullIsKey() throws Exception {
    cp.expect(201, () -> cp.endpoints().put("absent", new JsonObject(), ALICE));
    cp.expect(201, () -> cp.endpoints().put("explicit-null", new JsonObject().putNull("auth_mode"), ALICE));
    assertEquals(EndpointState.AUTH_KEY, cp.endpoint("absent").getString("auth_mode"));
    assertEquals(EndpointState.AUTH_KEY, cp.endpoint("explicit-null").getString("auth_mode"));
  }

  @Test
  void anythingElseIsA400ListingTheModes() throws Exception {
    for (Object bad : new Object[] {"password", "KEY", "aml-token", "", 1, true, new JsonArray().add("key"),
        new JsonObject().put("mode", "key")}) {
      cp.refused(FailureKind.BAD_INPUT, () -> cp.endpoints().put("credit",
          new JsonObject().put("auth_mode", bad), ALICE), "is not one of key, aml_token, aad_token");
    }
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().get("credit"), "no endpoint named 'credit'");
  }

  @Test
  void aPutChangesTheModeOfAnExistingEndpoint() throws Exception {
    cp.expect(201, () -> cp.endpoints().put("switch", new JsonObject().put("auth_mode", "key"), ALICE));
    cp.expect(200, () -> cp.endpoints().put("switch", new JsonObject().put("auth_mode", "aml_token"), ALICE));
    assertEquals("aml_token", cp.published("switch").authMode());
    cp.expect(200, () -> cp.endpoints().put("switch", new JsonObject().put("auth_mode", "aad_token"), ALICE));
    assertEquals("aad_token", cp.published("switch").authMode());
  }
}
