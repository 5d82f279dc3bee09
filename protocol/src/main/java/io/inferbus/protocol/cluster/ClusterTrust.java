package io.inferbus.protocol.cluster;

import io.inferbus.protocol.hashing.Sha256;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Who the cluster trusts: certificates issued by its CA, to node names that have not been removed.
 * A certificate is checked once (issuer's signature, validity, that it is not a CA) and remembered
 * by its bytes, so verifying a record costs one signature check.
 */
public final class ClusterTrust {
  /** Certificates checked so far, by their base64 DER; bounded by the number of credentials in use. */
  private static final int MAX_REMEMBERED = 4096;

  private final X509Certificate ca;
  private final ConcurrentHashMap<String, Signer> checked = new ConcurrentHashMap<>();
  private volatile Set<String> removedNodes = Set.of();

  ClusterTrust(X509Certificate ca) {
    this.ca = ca;
  }

  /** The trust of the cluster whose CA certificate is given (PEM, as in join.json). */
  public static ClusterTrust of(String caPem) {
    try {
      return new ClusterTrust(parse(caPem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("not a CA certificate (PEM): " + e.getMessage(), e);
    }
  }

  /**
   * The node names whose credentials the cluster no longer accepts ({@code inferbus cluster
   * remove-node}); records they signed are refused from now on.
   */
  public void removedNodes(Set<String> names) {
    removedNodes = Set.copyOf(names);
  }

  public Set<String> removedNodes() {
    return removedNodes;
  }

  /**
   * The signer a certificate (base64 DER) names, if this cluster's CA issued it, it is valid now and
   * its node has not been removed.
   */
  public Signer signer(String certificate) throws RecordRejected {
    Signer signer = checked.get(certificate);
    if (signer == null) {
      signer = check(certificate);
      if (checked.size() >= MAX_REMEMBERED) {
        checked.clear();
      }
      checked.put(certificate, signer);
    }
    if (System.currentTimeMillis() > signer.notAfter()) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE, "the signer's certificate has expired");
    }
    if (removedNodes.contains(signer.name())) {
      throw new RecordRejected(RecordRejected.Reason.REMOVED_NODE, "node '" + signer.name() + "' was removed from"
          + " the cluster");
    }
    return signer;
  }

  /** The signer a node credential's certificate names, if this trust accepts it. */
  public Signer signerOf(ClusterCa.NodeCredential credential) throws RecordRejected {
    return signer(certificateOf(credential));
  }

  /** A credential's own certificate (the first of its PEM chain), base64 DER. */
  static String certificateOf(ClusterCa.NodeCredential credential) {
    try {
      return Base64.getEncoder().encodeToString(parse(credential.certPem().getBytes(StandardCharsets.US_ASCII))
          .getEncoded());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("node credential '" + credential.name() + "' has no readable certificate: "
          + e.getMessage(), e);
    }
  }

  private Signer check(String certificate) throws RecordRejected {
    X509Certificate cert;
    try {
      cert = parse(Base64.getDecoder().decode(certificate));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE, "the signer's certificate cannot be read");
    }
    try {
      cert.verify(ca.getPublicKey());
      cert.checkValidity();
    } catch (GeneralSecurityException e) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE,
          "the signer's certificate is not one of this cluster's CA (" + e.getClass().getSimpleName() + ")");
    }
    if (cert.getBasicConstraints() >= 0) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE, "the signer's certificate is a CA's");
    }
    String name = null;
    Set<String> roles = new TreeSet<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          name = String.valueOf(rdn.getValue());
        } else if (rdn.getType().equalsIgnoreCase("OU")) {
          roles.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE, "the signer's certificate names no node");
    }
    if (name == null) {
      throw new RecordRejected(RecordRejected.Reason.BAD_CERTIFICATE, "the signer's certificate names no node");
    }
    return new Signer(name, Set.copyOf(roles), fingerprint(cert), cert.getPublicKey(), cert.getNotAfter().getTime());
  }

  private static X509Certificate parse(byte[] bytes) throws GeneralSecurityException {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(bytes));
  }

  static String fingerprint(X509Certificate cert) {
    try {
      return Sha256.hex(cert.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
