package io.inferbus.node.cluster;

import io.inferbus.node.Role;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.ClusterTrust;
import io.inferbus.protocol.cluster.RecordRejected;
import io.inferbus.protocol.files.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials of the node that founds a cluster, issued once by the cluster CA and kept in
 * {@code <data-dir>/cluster/}: its own ({@code node-cert.pem}, {@code node-key.pem}) and the one
 * {@code join.json} hands to other nodes. A start that finds both needs only the CA's certificate,
 * so the CA's key is read only on the first start, when the node's roles grow, or by {@code inferbus
 * cluster add-node}: it may be encrypted ({@code INFERBUS_CA_PASSPHRASE}) or moved off the node.
 *
 * @param caPem the cluster CA's certificate
 * @param own this node's credential
 * @param join the credential join.json gives another node
 */
public record FounderCredentials(String caPem, ClusterCa.NodeCredential own, ClusterCa.NodeCredential join) {
  private static final Logger LOG = LoggerFactory.getLogger(FounderCredentials.class);
  public static final String NODE_CERT = "node-cert.pem";
  public static final String NODE_KEY = "node-key.pem";
  /** The environment variable that holds the CA key's passphrase. */
  public static final String PASSPHRASE_ENV = "INFERBUS_CA_PASSPHRASE";
  static final String OWN_NAME = "control-plane";
  static final String JOIN_NAME = "node";

  /**
   * The founder's credentials for a node running {@code roles}: those kept in the data dir when
   * they allow those roles, otherwise issued now (the CA is created on the first start).
   */
  public static FounderCredentials loadOrIssue(Path dataDir, Set<Role> roles, char[] passphrase) throws IOException {
    Path dir = dataDir.resolve(ClusterCa.DIR);
    Path caFile = dir.resolve(ClusterCa.CA_CERT);
    Set<String> wanted = Role.names(roles);
    if (Files.exists(caFile)) {
      String caPem = Files.readString(caFile);
      ClusterTrust trust = ClusterTrust.of(caPem);
      ClusterCa.NodeCredential own = readOwn(dir);
      ClusterCa.NodeCredential join = readJoin(dataDir, caPem);
      if (own != null && join != null && allows(trust, own, wanted) && allows(trust, join, JoinFile.DEFAULT_ROLES)) {
        return new FounderCredentials(caPem, own, join);
      }
    }
    ClusterCa ca;
    try {
      ca = ClusterCa.loadOrCreate(dataDir, passphrase);
    } catch (IOException e) {
      throw new IOException("this node needs the cluster CA's key to issue its credentials (first start, roles "
          + wanted + " not yet in its credential, or its credential files gone): " + e.getMessage(), e);
    }
    ClusterTrust trust = ca.trust();
    ClusterCa.NodeCredential own = readOwn(dir);
    if (own == null || !allows(trust, own, wanted)) {
      own = ca.issue(OWN_NAME, ClusterCa.localHostNames(), wanted);
      DurableFiles.replace(dir.resolve(NODE_KEY), own.keyPem().getBytes(StandardCharsets.UTF_8), true);
      DurableFiles.replace(dir.resolve(NODE_CERT), own.certPem().getBytes(StandardCharsets.UTF_8), true);
      LOG.info("issued this node's cluster credential for roles {} into {}", wanted, dir);
    }
    ClusterCa.NodeCredential join = readJoin(dataDir, ca.certPem());
    if (join == null || !allows(trust, join, JoinFile.DEFAULT_ROLES)) {
      join = ca.issue(JOIN_NAME, ClusterCa.localHostNames(), JoinFile.DEFAULT_ROLES);
    }
    if (!ClusterCa.encrypted(dir.resolve(ClusterCa.CA_KEY))) {
      LOG.warn("the cluster CA's key in {} is not encrypted: whoever reads it can add nodes to the cluster. Set {}"
          + " when the CA is created, or move the key off this node (inferbus cluster add-node --ca-key FILE reads"
          + " it from there; this node needs it again only if its roles grow)", dir.resolve(ClusterCa.CA_KEY),
          PASSPHRASE_ENV);
    }
    return new FounderCredentials(ca.certPem(), own, join);
  }

  /** The passphrase of the CA key from the environment, or null. */
  public static char[] passphraseFromEnvironment() {
    String value = System.getenv(PASSPHRASE_ENV);
    return value == null || value.isEmpty() ? null : value.toCharArray();
  }

  private static ClusterCa.NodeCredential readOwn(Path dir) throws IOException {
    Path cert = dir.resolve(NODE_CERT);
    Path key = dir.resolve(NODE_KEY);
    if (!Files.exists(cert) || !Files.exists(key)) {
      return null;
    }
    return new ClusterCa.NodeCredential(OWN_NAME, Files.readString(cert), Files.readString(key));
  }

  /** join.json's credential, if the file exists and is of this CA. */
  private static ClusterCa.NodeCredential readJoin(Path dataDir, String caPem) {
    try {
      JoinFile join = JoinFile.read(dataDir.resolve(JoinFile.FILE_NAME));
      return join.caPem().equals(caPem) ? join.credential() : null;
    } catch (IOException missingOrBroken) {
      return null;
    }
  }

  private static boolean allows(ClusterTrust trust, ClusterCa.NodeCredential credential, Set<String> roles) {
    try {
      return trust.signerOf(credential).roles().containsAll(roles);
    } catch (RecordRejected | IllegalArgumentException e) {
      return false;
    }
  }
}
