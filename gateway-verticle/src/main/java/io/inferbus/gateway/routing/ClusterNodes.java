package io.inferbus.gateway.routing;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which Vert.x nodes are members of the cluster right now. vertx-hazelcast tags each Hazelcast
 * member with its Vert.x node id (the id instances carry in the instance table), so membership
 * events name the node that left.
 */
public final class ClusterNodes {
  /** The member attribute vertx-hazelcast sets to the member's Vert.x node id. */
  public static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private ClusterNodes() {}

  /** The member's Vert.x node id, or null for a member that is not a Vert.x node. */
  public static String nodeId(Member member) {
    return member.getAttribute(NODE_ID_ATTRIBUTE);
  }

  /** Whether the node is a member: always true while this member itself is not running (it cannot tell). */
  public static Predicate<String> members(HazelcastInstance hazelcast) {
    Set<Member> members;
    try {
      members = hazelcast.getCluster().getMembers();
    } catch (HazelcastInstanceNotActiveException stopping) {
      return node -> true;
    }
    Set<String> ids = new HashSet<>();
    for (Member m : members) {
      String id = nodeId(m);
      if (id != null) {
        ids.add(id);
      }
    }
    return ids::contains;
  }
}
