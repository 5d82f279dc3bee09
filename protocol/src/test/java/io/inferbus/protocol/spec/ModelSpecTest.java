package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inferbus.protocol.state.ModelRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * ModelSpec's JSON form and ModelName's text form. No bad inputs: ModelSpec is read from the
 * registry's own store, not from clients; a document missing optional fields is tried instead.
 */
class ModelSpecTest {
  private static final JsonArray INPUTS = new JsonArray().add(new JsonObject().put("name", "x")
      .put("type", "tensor(float)").put("shape", new JsonArray().add(-1).add(20)));
  private static final JsonArray OUTPUTS = new JsonArray().add(new JsonObject().put("name", "probabilities"));

  private static ModelSpec spec() {
    return new ModelSpec("credit-model", "2", "0f1e", 3_000_000_000L, INPUTS, OUTPUTS, "2024-05-01T10:00:00Z",
        "alice");
  }

  @Test
  void toJsonUsesTheApiNames() {
    assertEquals(json("{\"name\": \"credit-model\", \"version\": \"2\", \"sha256\": \"0f1e\","
        + " \"size_bytes\": 3000000000, \"inputs\": [{\"name\": \"x\", \"type\": \"tensor(float)\", \"shape\": [-1, 20]}],"
        + " \"outputs\": [{\"name\": \"probabilities\"}], \"created_at\": \"2024-05-01T10:00:00Z\","
        + " \"created_by\": \"alice\"}"), spec().toJson());
  }

  @Test
  void roundTripsThroughJsonAndItsText() {
    assertEquals(spec(), ModelSpec.fromJson(spec().toJson()));
    assertEquals(spec(), ModelSpec.fromJson(json(spec().toJson().encode())), "as stored and read back as text");
  }

  @Test
  void fromJsonDefaultsMissingSizeAndSignature() {
    ModelSpec read = ModelSpec.fromJson(json("{\"name\": \"m\", \"version\": \"1\", \"sha256\": \"aa\"}"));
    assertEquals(0L, read.sizeBytes());
    assertEquals(new JsonArray(), read.inputs());
    assertEquals(new JsonArray(), read.outputs());
    assertNull(read.createdAt());
    assertNull(read.createdBy());
  }

  @Test
  void refIsNameVersionAndHash() {
    assertEquals(new ModelRef("credit-model", "2", "0f1e"), spec().ref());
    assertEquals("credit-model:2", spec().ref().toString());
  }

  @Test
  void modelNameToStringIsNameColonVersion() {
    assertEquals("credit-model:2", new ModelName("credit-model", "2").toString());
    assertEquals("m:1.0.0", ModelName.parse(json("{\"name\": \"m\", \"version\": \"1.0.0\"}")).toString());
  }
}
