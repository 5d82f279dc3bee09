package io.inferbus.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Choosing an instance within a deployment: the less loaded of two at random, by the gateway's own
 * outstanding requests, so a busy instance stops receiving new work while idle ones exist, and the
 * counts survive a routing-table rebuild.
 */
class DeploymentRouteTest {
  private static final DeploymentState BLUE = new DeploymentState("credit", "blue",
      new ModelRef("m", "1", "0".repeat(64)), 3, RequestSettings.DEFAULTS, null, 1);

  private static InstanceState instance(String id) {
    return new InstanceState(id, "credit", "blue", 1, "node-1", "inferbus.instance." + id, InstanceState.READY,
        null, 0, null);
  }

  private static List<InstanceState> instances(int n) {
    List<InstanceState> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(instance("i" + i));
    }
    return list;
  }

  @Test
  void noReadyInstanceGivesNullAndOneGivesThatOne() {
    InstanceLoad load = new InstanceLoad();
    assertNull(new DeploymentRoute(BLUE, List.of(), load).pickInstance());
    DeploymentRoute one = new DeploymentRoute(BLUE, instances(1), load);
    one.pickInstance().sent();
    assertEquals("i0", one.pickInstance().state().id(), "the only instance, however loaded");
  }

  @Test
  void aBusyInstanceGetsNothingWhileTheOthersAreIdle() {
    InstanceLoad load = new InstanceLoad();
    DeploymentRoute route = new DeploymentRoute(BLUE, instances(3), load);
    for (int i = 0; i < 10; i++) {
      load.counter("i1").incrementAndGet();
    }
    Map<String, Integer> chosen = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      chosen.merge(route.pickInstance().state().id(), 1, Integer::sum);
    }
    assertEquals(null, chosen.get("i1"), "the busy instance is always the more loaded of any pair: " + chosen);
    // the two idle ones split evenly: each ~1500, far from these bounds (binomial sd ~27)
    assertTrue(chosen.get("i0") > 1200 && chosen.get("i2") > 1200, chosen.toString());
  }

  @Test
  void outstandingRequestsSpreadAcrossInstances() {
    InstanceLoad load = new InstanceLoad();
    DeploymentRoute route = new DeploymentRoute(BLUE, instances(4), load);
    // 40 requests sent and none answered yet: the counts stay close to level
    for (int i = 0; i < 40; i++) {
      route.pickInstance().sent();
    }
    for (InstanceState s : route.readyInstances()) {
      int n = load.outstanding(s.id());
      assertTrue(n >= 5 && n <= 15, "instance " + s.id() + " holds " + n + " of 40");
    }
  }

  @Test
  void answeredRequestsFreeTheInstanceAndCountsSurviveARebuild() {
    InstanceLoad load = new InstanceLoad();
    DeploymentRoute before = new DeploymentRoute(BLUE, instances(2), load);
    InstanceRoute picked = before.pickInstance();
    picked.sent();
    DeploymentRoute after = new DeploymentRoute(BLUE, instances(2), load);
    String other = picked.state().id().equals("i0") ? "i1" : "i0";
    for (int i = 0; i < 100; i++) {
      assertEquals(other, after.pickInstance().state().id(), "the rebuilt route still sees the outstanding request");
    }
    picked.answered();
    assertEquals(0, load.outstanding(picked.state().id()));
  }

  @Test
  void goneInstancesAreForgottenOnlyOnceIdle() {
    InstanceLoad load = new InstanceLoad();
    DeploymentRoute route = new DeploymentRoute(BLUE, instances(2), load);
    InstanceRoute i0 = route.pickInstance();
    i0.sent();
    load.retainOnly(Set.of());
    assertEquals(1, load.outstanding(i0.state().id()), "still answering: kept");
    i0.answered();
    load.retainOnly(Set.of());
    assertSame(0, load.outstanding(i0.state().id()));
  }

  @Test
  void aRetryGoesToTheLeastLoadedOtherInstanceAndNeverBackToTheGoneOne() {
    InstanceLoad load = new InstanceLoad();
    DeploymentRoute route = new DeploymentRoute(BLUE, instances(3), load);
    load.counter("i2").incrementAndGet();
    for (int i = 0; i < 100; i++) {
      assertEquals("i1", route.pickInstanceOtherThan("i0").state().id());
    }
    assertNull(new DeploymentRoute(BLUE, instances(1), load).pickInstanceOtherThan("i0"), "no other instance");
  }
}
