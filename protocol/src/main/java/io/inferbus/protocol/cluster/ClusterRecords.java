package io.inferbus.protocol.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.protocol.ClusterMaps;
import io.vertx.core.Context;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's maps as this node reads and writes them: every value is a signed record, and a
 * record is acted on only once its signature, its signer's certificate (issued by the cluster CA,
 * node not removed) and the signer's right to write that map are checked. Open-source Hazelcast has
 * no member authentication, so any process that reaches the cluster port can join and write; with
 * signed records it can delete or garble entries, not forge them.
 *
 * <p>A record, as stored: {@code {"record": "<the state's JSON>", "map", "key", "at",
 * "certificate": "<signer's certificate, base64 DER>", "signature": "<ECDSA P-256 over map, key,
 * at and record, base64>"}}. Signing the map and key keeps a record from being moved to another
 * entry; {@code at} (the writer's clock, rising per credential) lets a reader refuse an older record
 * of the same signer put back (a replay).
 */
public final class ClusterRecords {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRecords.class);
  private static final String CONTEXT = "inferbus-record/1";
  private static final long LOG_EVERY_MS = 10_000;

  /** Where rejections and repairs are counted (metrics). */
  public interface Events {
    void rejected(String map, RecordRejected.Reason reason);

    void repaired(String map);

    Events NONE = new Events() {
      @Override
      public void rejected(String map, RecordRejected.Reason reason) {}

      @Override
      public void repaired(String map) {}
    };
  }

  private final HazelcastInstance hazelcast;
  private final ClusterTrust trust;
  private final PrivateKey key;
  private final String certificate;
  private final Signer self;
  private final AtomicLong lastAt = new AtomicLong();
  private volatile Events events = Events.NONE;
  /** When a rejection of a map, key and reason was last logged: a flood of forgeries logs a line per 10 s. */
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  private ClusterRecords(HazelcastInstance hazelcast, ClusterTrust trust, PrivateKey key, String certificate,
      Signer self) {
    this.hazelcast = hazelcast;
    this.trust = trust;
    this.key = key;
    this.certificate = certificate;
    this.self = self;
  }

  /**
   * This node's view of the cluster's records: it trusts {@code trust} and signs with {@code
   * credential} (which that trust must accept).
   */
  public static ClusterRecords create(HazelcastInstance hazelcast, ClusterTrust trust,
      ClusterCa.NodeCredential credential) {
    PrivateKey key;
    try {
      key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pemBody(credential.keyPem())));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("node credential '" + credential.name() + "' has no readable key: "
          + e.getMessage(), e);
    }
    String encoded = ClusterTrust.certificateOf(credential);
    Signer self;
    try {
      self = trust.signer(encoded);
    } catch (RecordRejected e) {
      throw new IllegalArgumentException("node credential '" + credential.name() + "' is not accepted by the"
          + " cluster: " + e.getMessage());
    }
    return new ClusterRecords(hazelcast, trust, key, encoded, self);
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public ClusterTrust trust() {
    return trust;
  }

  /** Who this node signs as. */
  public Signer self() {
    return self;
  }

  public void events(Events events) {
    this.events = events;
  }

  /** One of the cluster's maps, read and written as signed records. */
  public SignedMap map(String name) {
    return new SignedMap(this, name);
  }

  /** A local copy of one of the cluster's maps, of the records that verify ({@link ClusterMapView}). */
  public <V> ClusterMapView<V> view(String map, Context context, Function<JsonObject, V> decoder, Runnable onChange) {
    return new ClusterMapView<>(this, map, context, decoder, onChange);
  }

  /** The stored form of {@code record} at {@code key} of {@code map}, signed by this node. */
  public String seal(String map, String key, JsonObject record) {
    String body = record.encode();
    long at = lastAt.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
    try {
      Signature signature = Signature.getInstance("SHA256withECDSA");
      signature.initSign(this.key);
      signature.update(signedBytes(map, key, at, body));
      return new JsonObject()
          .put("record", body)
          .put("map", map)
          .put("key", key)
          .put("at", at)
          .put("certificate", certificate)
          .put("signature", Base64.getEncoder().encodeToString(signature.sign()))
          .encode();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a cluster record: " + e.getMessage(), e);
    }
  }

  /** The record stored at {@code key} of {@code map}, if it verifies. */
  public SealedRecord open(String map, String key, String stored) throws RecordRejected {
    JsonObject envelope;
    try {
      envelope = new JsonObject(stored);
    } catch (DecodeException | ClassCastException e) {
      throw new RecordRejected(RecordRejected.Reason.UNSIGNED, "not JSON");
    }
    if (!(envelope.getValue("record") instanceof String body) || !(envelope.getValue("certificate") instanceof String cert)
        || !(envelope.getValue("signature") instanceof String sig) || !(envelope.getValue("at") instanceof Number at)) {
      throw new RecordRejected(RecordRejected.Reason.UNSIGNED, "not a signed record");
    }
    if (!map.equals(envelope.getValue("map")) || !key.equals(envelope.getValue("key"))) {
      throw new RecordRejected(RecordRejected.Reason.BAD_SIGNATURE, "signed for another entry ("
          + envelope.getValue("map") + " " + envelope.getValue("key") + ")");
    }
    Signer signer = trust.signer(cert);
    if (ClusterMaps.writtenByControlPlane(map) && !signer.controlPlane()) {
      throw new RecordRejected(RecordRejected.Reason.NOT_ALLOWED, "node '" + signer.name() + "' may not write "
          + map + " (its certificate does not allow the control-plane role)");
    }
    try {
      Signature verify = Signature.getInstance("SHA256withECDSA");
      verify.initVerify(signer.key());
      verify.update(signedBytes(map, key, at.longValue(), body));
      if (!verify.verify(Base64.getDecoder().decode(sig))) {
        throw new RecordRejected(RecordRejected.Reason.BAD_SIGNATURE, "the signature does not match");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new RecordRejected(RecordRejected.Reason.BAD_SIGNATURE, "the signature cannot be read");
    }
    try {
      return new SealedRecord(new JsonObject(body), signer, at.longValue());
    } catch (DecodeException | ClassCastException e) {
      throw new RecordRejected(RecordRejected.Reason.UNSIGNED, "signed, but not a JSON object");
    }
  }

  /** Counts a rejected record and logs it (a line per map, key and reason at most every 10 s). */
  void rejected(String map, String key, RecordRejected e, String action) {
    events.rejected(map, e.reason());
    long now = System.currentTimeMillis();
    String what = map + "\u0000" + key + "\u0000" + e.reason();
    Long last = lastLogged.get(what);
    if (last == null || now - last >= LOG_EVERY_MS) {
      if (lastLogged.size() > 10_000) {
        lastLogged.clear();
      }
      lastLogged.put(what, now);
      LOG.warn("cluster record {} '{}' refused ({}): {}; {}", map, key, e.reason().label(), e.getMessage(), action);
    }
  }

  void repaired(String map, String key, String how) {
    events.repaired(map);
    LOG.warn("cluster record {} '{}' {}", map, key, how);
  }

  private static byte[] signedBytes(String map, String key, long at, String body) {
    return (CONTEXT + "\n" + map + "\n" + key + "\n" + at + "\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] pemBody(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(base64);
  }
}
