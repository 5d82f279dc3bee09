package io.inferbus.controlplane.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.testing.ControlPlaneTestBase;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The management rules as a caller meets them through the control-plane service (real SQLite store,
 * real Hazelcast member): each refusal is a 400 whose message says what is wrong and what would be
 * right, or a 409 for deleting a deployment that carries traffic, and changes nothing: no store
 * write, no revision, no audit record, no publication. Also: a PUT of the same spec again changes
 * nothing, and a PUT without {@code traffic} keeps the current traffic.
 *
 * <p>Bad inputs tried: traffic summing to 90 and 110; weights -10, 101, 50.5, "100"; traffic and
 * mirror naming a deployment the endpoint lacks; a mirror to a deployment with live traffic, a
 * mirror of 51 %, two mirrors, a traffic change onto the mirrored deployment; endpoint names "ab",
 * "Bad_Name", "a--b", "credit-", "1credit", a body name differing from the path; deployment name
 * "1blue"; model "credit-model:9" (unregistered version), "credit-model" (no version), none;
 * instance_count -1, 65, 1.5, "2"; request_settings with request_timeout_ms -5,
 * max_concurrent_requests_per_instance 0, max_queue_wait_ms -1 and an unknown field; batching
 * max_batch_size -1 and max_batch_delay_ms -1; PATCH fields that cannot be patched; auth_mode
 * "password"; description 42 (not text). Fields no resource knows ($schema, identity, a typo) are
 * reported back as ignored_fields for endpoints as for deployments.
 */
class EndpointValidationTest extends ControlPlaneTestBase {
  private static final Actor ALICE = new Actor("alice", "req-alice");

  @BeforeEach
  void start() throws Exception {
    // credit: blue 100 % live, green 0 %, red mirrored at 10 %
    cp.endpointWithDeployments("credit", ALICE, "blue", "green", "red");
    cp.traffic("credit", "{\"blue\": 100}", "{\"red\": 10}", ALICE);
  }

  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  /** Refused as {@code kind}, with every fragment in the message, and nothing changed. */
  private InferbusException refused(FailureKind kind, java.util.function.Supplier<io.vertx.core.Future<ApiResult>> op,
      String... fragments) throws Exception {
    JsonObject endpointBefore = cp.endpoint("credit");
    int auditBefore = cp.audit().size();
    var publishedBefore = cp.published("credit");
    InferbusException e = cp.refused(kind, op, fragments);
    assertEquals(endpointBefore, cp.endpoint("credit"), "a refused call changes nothing");
    assertEquals(auditBefore, cp.audit().size(), "a refused call leaves no audit record");
    assertEquals(publishedBefore, cp.published("credit"), "a refused call publishes nothing");
    return e;
  }

  private InferbusException badPatch(String body, String... fragments) throws Exception {
    return refused(FailureKind.BAD_INPUT, () -> cp.endpoints().patch("credit", json(body), ALICE), fragments);
  }

  private InferbusException badDeployment(String name, String body, String... fragments) throws Exception {
    return refused(FailureKind.BAD_INPUT, () -> cp.deployments().put("credit", name, json(body), ALICE),
        fragments);
  }

  // ------------------------------------------------------------ traffic

  @Test
  void trafficNotSummingTo100IsRefused() throws Exception {
    badPatch("{\"traffic\": {\"blue\": 80, \"green\": 10}}", "sum to 90", "must sum to 100 (or all be 0)");
    badPatch("{\"traffic\": {\"blue\": 100, \"green\": 10}}", "sum to 110");
  }

  @Test
  void weightsThatAreNotWholePercentagesAreRefused() throws Exception {
    badPatch("{\"traffic\": {\"blue\": 110, \"green\": -10}}", "'blue'", "110", "whole number from 0 to 100");
    badPatch("{\"traffic\": {\"green\": -10, \"blue\": 110}}", "'green'", "-10", "whole number from 0 to 100");
    badPatch("{\"traffic\": {\"blue\": 50.5, \"green\": 49.5}}", "50.5", "whole number");
    badPatch("{\"traffic\": {\"blue\": \"100\"}}", "whole number");
    badPatch("{\"traffic\": \"blue=100\"}", "must be an object", "{\"blue\": 100}");
  }

  @Test
  void unknownDeploymentsInTrafficOrMirrorAreRefusedNamingThem() throws Exception {
    InferbusException e = badPatch("{\"traffic\": {\"blue\": 50, \"purple\": 50}}",
        "traffic names deployment 'purple'", "does not have", "[blue, green, red]");
    assertEquals("traffic", e.target());
    e = badPatch("{\"mirror_traffic\": {\"purple\": 10}}", "mirror_traffic names deployment 'purple'",
        "does not have");
    assertEquals("mirror_traffic", e.target());
  }

  @Test
  void mirrorToADeploymentWithLiveTrafficIsRefused() throws Exception {
    badPatch("{\"traffic\": {\"blue\": 90, \"green\": 10}, \"mirror_traffic\": {\"green\": 10}}",
        "deployment 'green' has live traffic (10 %)", "mirror only to a deployment with 0 % live traffic");
    // moving live traffic onto the deployment that is mirrored to is refused as well
    badPatch("{\"traffic\": {\"blue\": 90, \"red\": 10}}", "deployment 'red' has live traffic (10 %)");
  }

  @Test
  void mirrorOver50PercentIsRefused() throws Exception {
    badPatch("{\"mirror_traffic\": {\"green\": 51}}", "mirror_traffic to 'green' is 51 %", "at most 50 %");
  }

  @Test
  void twoMirrorsAreRefused() throws Exception {
    badPatch("{\"mirror_traffic\": {\"green\": 10, \"red\": 10}}", "one deployment only");
  }

  @Test
  void fieldsThatCannotBePatchedAreRefused() throws Exception {
    badPatch("{\"auth_mode\": \"aml_token\"}", "field 'auth_mode' cannot be patched",
        "traffic, mirror_traffic, description and tags");
    refused(FailureKind.BAD_INPUT, () -> cp.deployments().patch("credit", "blue", json("{\"model\": \"x:1\"}"),
        ALICE), "field 'model' cannot be patched", "instance_count, request_settings and scale_settings");
  }

  // ------------------------------------------------------------ names

  @Test
  void namesThatAreNotDnsLabelLikeAreRefusedWithTheRule() throws Exception {
    for (String bad : List.of("ab", "Bad_Name", "a--b", "credit-", "1credit")) {
      refused(FailureKind.BAD_INPUT, () -> cp.endpoints().put(bad, new JsonObject(), ALICE),
          "'" + bad + "' is not a valid endpoint name", "3-32 characters, starting with a letter");
    }
    badDeployment("1blue", "{\"model\": \"credit-model:1\"}", "'1blue' is not a valid deployment name");
    refused(FailureKind.BAD_INPUT, () -> cp.endpoints().put("credit", json("{\"name\": \"other\"}"), ALICE),
        "the body's name 'other' differs from the path's 'credit'");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"endpoint_name\": \"other\"}",
        "the body's endpoint_name 'other' differs from the path's 'credit'");
  }

  @Test
  void unknownAuthModeIsRefusedListingTheModes() throws Exception {
    refused(FailureKind.BAD_INPUT, () -> cp.endpoints().put("credit", json("{\"auth_mode\": \"password\"}"),
        ALICE), "auth_mode 'password' is not one of", "key");
  }

  // ------------------------------------------------------------ deployments

  @Test
  void unknownModelVersionsAreRefusedListingTheRegisteredOnes() throws Exception {
    badDeployment("green", "{\"model\": \"credit-model:9\"}", "model credit-model:9 is not registered",
        "PUT /models/credit-model/versions/9", "registered versions of 'credit-model': [1]");
    badDeployment("green", "{\"model\": \"credit-model\"}", "must name a registered version as name:version");
    badDeployment("green", "{}", "model is required");
  }

  @Test
  void negativeOrOutOfRangeCountsAreRefusedWithTheRange() throws Exception {
    badDeployment("green", "{\"model\": \"credit-model:1\", \"instance_count\": -1}", "instance_count is -1",
        "whole number from 0 to 64");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"instance_count\": 65}", "instance_count is 65");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"instance_count\": 1.5}", "instance_count is 1.5");
    // text is shown in quotes, so the message says why it is wrong
    badDeployment("green", "{\"model\": \"credit-model:1\", \"instance_count\": \"2\"}", "instance_count is \"2\"",
        "whole number from 0 to 64");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"request_settings\": {\"request_timeout_ms\": -5}}",
        "request_timeout_ms is -5", "whole number from 1 to 180000");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"request_settings\": "
        + "{\"max_concurrent_requests_per_instance\": 0}}", "max_concurrent_requests_per_instance is 0");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"request_settings\": {\"max_queue_wait_ms\": -1}}",
        "max_queue_wait_ms is -1", "whole number from 0");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"request_settings\": {\"timeout\": 5}}",
        "request_settings has unknown field 'timeout'");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"batching\": {\"max_batch_size\": -1}}",
        "max_batch_size is -1");
    badDeployment("green", "{\"model\": \"credit-model:1\", \"batching\": {\"max_batch_delay_ms\": -1}}",
        "max_batch_delay_ms is -1");
    refused(FailureKind.BAD_INPUT, () -> cp.deployments().patch("credit", "green",
        json("{\"instance_count\": -1}"), ALICE), "instance_count is -1");
  }

  // ------------------------------------------------------------ 409

  @Test
  void deletingADeploymentWithLiveOrMirrorTrafficIsAConflict() throws Exception {
    InferbusException e = refused(FailureKind.CONFLICT, () -> cp.deployments().delete("credit", "blue", ALICE),
        "deployment 'blue' has 100 % live traffic", "set its traffic to 0 before deleting it");
    assertEquals("blue", e.target());
    refused(FailureKind.CONFLICT, () -> cp.deployments().delete("credit", "red", ALICE),
        "deployment 'red' has 10 % mirror traffic");

    cp.expect(200, () -> cp.deployments().delete("credit", "green", ALICE));
    JsonObject record = cp.audit().get(cp.audit().size() - 1);
    assertEquals("deployment.delete", record.getString("action"));
    assertEquals("endpoints/credit/deployments/green", record.getString("target"));
  }

  // ------------------------------------------------------------ idempotence and kept traffic

  @Test
  void putOfTheSameEndpointSpecAgainChangesNothing() throws Exception {
    JsonObject spec = json("{\"auth_mode\": \"key\", \"description\": \"loans\", \"tags\": {\"team\": \"risk\"}}");
    cp.expect(200, () -> cp.endpoints().put("credit", spec, ALICE));
    JsonObject first = cp.endpoint("credit");
    int audit = cp.audit().size();

    JsonObject again = cp.expect(200, () -> cp.endpoints().put("credit", spec, ALICE));

    assertEquals(first, again);
    assertEquals(first, cp.endpoint("credit"));
    assertEquals(audit, cp.audit().size(), "the same spec again is not a change");
  }

  @Test
  void putOfTheSameDeploymentSpecAgainChangesNothing() throws Exception {
    JsonObject spec = json("{\"model\": \"credit-model:1\", \"instance_count\": 2}");
    cp.expect(200, () -> cp.deployments().put("credit", "green", spec, ALICE));
    long generation = cp.expect(200, () -> cp.deployments().get("credit", "green")).getLong("generation");
    int audit = cp.audit().size();

    JsonObject again = cp.expect(200, () -> cp.deployments().put("credit", "green", spec, ALICE));

    assertEquals(generation, again.getLong("generation"), "no new generation: no instance is restarted");
    assertEquals(audit, cp.audit().size());
  }

  @Test
  void putWithoutTrafficKeepsTheCurrentTrafficAndRevision() throws Exception {
    JsonObject before = cp.endpoint("credit");

    JsonObject after = cp.expect(200, () -> cp.endpoints().put("credit",
        json("{\"auth_mode\": \"key\", \"description\": \"re-applied\"}"), ALICE));

    assertEquals(before.getJsonObject("traffic"), after.getJsonObject("traffic"));
    assertEquals(before.getJsonObject("mirror_traffic"), after.getJsonObject("mirror_traffic"));
    assertEquals(before.getLong("traffic_revision"), after.getLong("traffic_revision"));
    assertEquals(Map.of("blue", 100), cp.published("credit").traffic(), "gateways keep routing to blue");
    assertEquals("re-applied", after.getString("description"));
  }

  @Test
  void putWithTheSameTrafficMakesNoRevisionAndWithOtherTrafficMakesOne() throws Exception {
    long revision = cp.endpoint("credit").getLong("traffic_revision");
    cp.expect(200, () -> cp.endpoints().put("credit",
        json("{\"traffic\": {\"blue\": 100, \"green\": 0}, \"mirror_traffic\": {\"red\": 10}}"), ALICE));
    assertEquals(revision, cp.endpoint("credit").getLong("traffic_revision"));

    JsonObject changed = cp.expect(200, () -> cp.endpoints().put("credit",
        json("{\"traffic\": {\"blue\": 50, \"green\": 50}}"), ALICE));
    assertEquals(revision + 1, changed.getLong("traffic_revision"));
    assertEquals(new JsonObject().put("red", 10), changed.getJsonObject("mirror_traffic"),
        "a PUT without mirror_traffic keeps the mirror too");
    assertTrue(cp.history("credit").stream().anyMatch(e -> e.getLong("revision") == revision + 1));
  }

  // ------------------------------------------------------------ fields Inferbus does not serve

  /** Endpoints and deployments report unknown fields the same way: listed, sorted, not stored. */
  @Test
  void fieldsInferbusDoesNotServeAreReportedAsIgnoredForEndpointsAsForDeployments() throws Exception {
    JsonObject created = cp.expect(201, () -> cp.endpoints().put("loans",
        json("{\"auth_mode\": \"key\", \"identity\": {\"type\": \"system_assigned\"}, \"$schema\": \"x\","
            + " \"descripton\": \"typo\"}"), ALICE));
    assertEquals(new JsonArray().add("$schema").add("descripton").add("identity"),
        created.getJsonArray("ignored_fields"));
    assertFalse(cp.endpoint("loans").containsKey("ignored_fields"), "a later GET does not repeat them");
    assertFalse(cp.endpoint("loans").containsKey("identity"), "ignored fields are not stored");

    JsonObject again = cp.expect(200, () -> cp.endpoints().put("loans",
        json("{\"auth_mode\": \"key\", \"identity\": {}}"), ALICE));
    assertEquals(new JsonArray().add("identity"), again.getJsonArray("ignored_fields"),
        "an unchanged PUT still says what it ignored");

    JsonObject deployment = cp.expect(201, () -> cp.deployments().put("credit", "green2",
        json("{\"model\": \"credit-model:1\", \"instance_type\": \"Standard_DS3_v2\"}"), ALICE));
    assertEquals(new JsonArray().add("instance_type"), deployment.getJsonArray("ignored_fields"));
  }

  @Test
  void aDescriptionThatIsNotTextIsRefusedNamingTheField() throws Exception {
    InferbusException e = refused(FailureKind.BAD_INPUT, () -> cp.endpoints().patch("credit",
        json("{\"description\": 42}"), ALICE), "description must be a string");
    assertEquals("description", e.target());
  }
}
