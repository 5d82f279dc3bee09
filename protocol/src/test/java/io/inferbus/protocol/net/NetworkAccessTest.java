package io.inferbus.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An endpoint's network access. Bad inputs tried: public_network_access "private", true, "Enabled"
 * (the control plane takes lower case; the CLI lowers Azure's), allowed_networks as a string, with
 * a number in it, with a bad network, with 65 networks.
 */
class NetworkAccessTest {
  private static NetworkAccess parse(String json) {
    JsonObject o = new JsonObject(json);
    return NetworkAccess.parse(o.getValue("public_network_access"), o.getValue("allowed_networks"));
  }

  @Test
  void publicByDefaultAndEveryoneMayCall() {
    NetworkAccess access = parse("{}");
    assertEquals(NetworkAccess.PUBLIC, access);
    assertTrue(access.allows(Cidr.address("8.8.8.8")));
    assertTrue(access.allows(null), "even a caller whose address is unknown");
    assertEquals(new JsonObject().put("public_network_access", "enabled"), access.toJson());
  }

  @Test
  void disabledWithoutAListTakesLoopbackAndPrivateRanges() {
    NetworkAccess access = parse("{\"public_network_access\": \"disabled\"}");
    for (String inside : List.of("127.0.0.1", "10.9.8.7", "172.20.0.1", "192.168.0.10", "::1", "fd00::5")) {
      assertTrue(access.allows(Cidr.address(inside)), inside);
    }
    for (String outside : List.of("8.8.8.8", "172.32.0.1", "100.64.0.1", "2001:db8::1", "fe80::1")) {
      assertFalse(access.allows(Cidr.address(outside)), outside);
    }
    assertFalse(access.allows(null), "an unknown address is no private one");
  }

  @Test
  void disabledWithAListTakesOnlyThatList() {
    NetworkAccess access = parse("{\"public_network_access\": \"disabled\", \"allowed_networks\": [\"10.0.0.0/8\","
        + " \"10.1.0.0/16\", \"10.0.0.0/8\"]}");
    assertTrue(access.allows(Cidr.address("10.1.2.3")));
    assertFalse(access.allows(Cidr.address("127.0.0.1")), "loopback only when listed");
    assertEquals(new JsonArray().add("10.0.0.0/8").add("10.1.0.0/16"),
        access.toJson().getJsonArray("allowed_networks"), "listed once each, as given");
    assertEquals(access, NetworkAccess.fromJson(access.toJson()), "round trip");
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    for (String bad : List.of("\"private\"", "true", "\"Enabled\"")) {
      InferbusException e = assertThrows(InferbusException.class,
          () -> parse("{\"public_network_access\": " + bad + "}"));
      assertEquals(FailureKind.BAD_INPUT, e.kind());
      assertEquals("public_network_access", e.target());
      assertTrue(e.getMessage().contains("enabled or disabled"), e.getMessage());
    }
    InferbusException notAList = assertThrows(InferbusException.class,
        () -> parse("{\"allowed_networks\": \"10.0.0.0/8\"}"));
    assertEquals("allowed_networks", notAList.target());
    assertTrue(notAList.getMessage().contains("must be a list"), notAList.getMessage());
    InferbusException number = assertThrows(InferbusException.class, () -> parse("{\"allowed_networks\": [10]}"));
    assertTrue(number.getMessage().contains("has 10,"), number.getMessage());
    InferbusException network = assertThrows(InferbusException.class,
        () -> parse("{\"allowed_networks\": [\"10.0.0.0/33\"]}"));
    assertTrue(network.getMessage().contains("prefix length"), network.getMessage());
    JsonArray many = new JsonArray();
    for (int i = 0; i < 65; i++) {
      many.add("10.0." + i + ".0/24");
    }
    InferbusException tooMany = assertThrows(InferbusException.class,
        () -> NetworkAccess.parse("disabled", many));
    assertTrue(tooMany.getMessage().contains("at most 64"), tooMany.getMessage());
  }
}
