package io.inferbus.protocol.cluster;

import io.inferbus.protocol.files.DurableFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's own CA, apart from the HTTPS certificates (which an operator may bring): it
 * certifies the nodes of one cluster to each other, on the event bus and as the signers of the
 * records in the cluster's maps ({@link ClusterRecords}). Generated on the first start of a
 * control-plane node into {@code <data-dir>/cluster/} (ECDSA P-256); its key signs node credentials
 * ({@link #issue}) and never leaves that directory.
 *
 * <p>A node certificate names the node ({@code CN}) and the roles it may run, one {@code OU} each:
 * only a certificate with {@code OU=control-plane} may sign endpoints, deployments, assignments and
 * token revocations.
 */
public final class ClusterCa {
  public static final String DIR = "cluster";
  public static final String CA_CERT = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration NODE_LIFETIME = Duration.ofDays(825);
  /** For the key's encryption (the JDK has no AES/CBC/PKCS7Padding); not registered JVM-wide. */
  private static final java.security.Provider BOUNCY_CASTLE =
      new org.bouncycastle.jce.provider.BouncyCastleProvider();

  private final X509Certificate cert;
  private final PrivateKey key;
  private final String certPem;

  private ClusterCa(X509Certificate cert, PrivateKey key, String certPem) {
    this.cert = cert;
    this.key = key;
    this.certPem = certPem;
  }

  /** A node's credential on the event bus: its certificate (PEM, with the CA's) and private key (PKCS#8 PEM). */
  public record NodeCredential(String name, String certPem, String keyPem) {}

  /** Loads the data dir's cluster CA (its key unencrypted), generating it on first use. */
  public static ClusterCa loadOrCreate(Path dataDir) throws IOException {
    return loadOrCreate(dataDir, null);
  }

  /**
   * Loads the data dir's cluster CA, generating it on first use. {@code passphrase} (may be null)
   * decrypts the key, and encrypts a new one (PKCS#8, AES-256-CBC with PBKDF2, as {@code openssl
   * pkcs8 -topk8 -v2 aes-256-cbc} writes it).
   */
  public static ClusterCa loadOrCreate(Path dataDir, char[] passphrase) throws IOException {
    Path dir = dataDir.resolve(DIR);
    Path certFile = dir.resolve(CA_CERT);
    Path keyFile = dir.resolve(CA_KEY);
    try {
      if (!Files.exists(certFile)) {
        ClusterCa created = generate();
        DurableFiles.replace(keyFile, keyPem(created.key, passphrase).getBytes(StandardCharsets.UTF_8), true);
        DurableFiles.replace(certFile, created.certPem.getBytes(StandardCharsets.UTF_8), true);
      }
      return load(Files.readString(certFile), keyFile, passphrase);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create or read the cluster CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The CA of certificate {@code certPem} with the key in {@code keyFile} (kept off the node, say),
   * decrypted with {@code passphrase} if it is encrypted.
   */
  public static ClusterCa load(String certPem, Path keyFile, char[] passphrase) throws IOException {
    if (!Files.exists(keyFile)) {
      throw new IOException("no cluster CA key at " + keyFile + " (give the file it was moved to with --ca-key)");
    }
    try {
      X509Certificate cert = parseCertificate(certPem);
      PrivateKey key = parseKey(Files.readString(keyFile), keyFile, passphrase);
      if (!matches(cert, key)) {
        throw new IOException(keyFile + " is not the key of this cluster's CA certificate");
      }
      return new ClusterCa(cert, key, certPem);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the cluster CA key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  /** Whether the CA key file is encrypted (needs a passphrase). */
  public static boolean encrypted(Path keyFile) throws IOException {
    return Files.readString(keyFile).contains("ENCRYPTED PRIVATE KEY");
  }

  private static String keyPem(PrivateKey key, char[] passphrase) throws IOException, OperatorCreationException {
    if (passphrase == null || passphrase.length == 0) {
      return pem(new JcaPKCS8Generator(key, null).generate());
    }
    return pem(new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
        .setProvider(BOUNCY_CASTLE).setPassword(passphrase).build()).generate());
  }

  /** Checks the key against the certificate by signing with one and verifying with the other. */
  private static boolean matches(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
    java.security.Signature sign = java.security.Signature.getInstance("SHA256withECDSA");
    sign.initSign(key);
    byte[] probe = "inferbus-ca-key-check".getBytes(StandardCharsets.US_ASCII);
    sign.update(probe);
    byte[] signature = sign.sign();
    java.security.Signature verify = java.security.Signature.getInstance("SHA256withECDSA");
    verify.initVerify(cert.getPublicKey());
    verify.update(probe);
    return verify.verify(signature);
  }

  /** A CA that lives in memory only: for tests, and for a cluster that a test forges. */
  public static ClusterCa inMemory() {
    try {
      return generate();
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot generate a cluster CA: " + e.getMessage(), e);
    }
  }

  private static ClusterCa generate() throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPair keys = keyPair();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=Inferbus cluster CA " + Long.toHexString(new SecureRandom().nextLong()));
    JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(name, serial(),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), name, keys.getPublic());
    ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    ca.addExtension(Extension.subjectKeyIdentifier, false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
    X509Certificate cert = certificate(ca.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(keys.getPrivate())));
    return new ClusterCa(cert, keys.getPrivate(), pem(cert));
  }

  /**
   * The cluster's records as a node holding a new credential of this CA (named {@code name},
   * allowed {@code roles}) reads and writes them: for a cluster started in-process, as in tests.
   */
  public ClusterRecords records(com.hazelcast.core.HazelcastInstance hazelcast, String name, Set<String> roles) {
    try {
      return ClusterRecords.create(hazelcast, trust(), issue(name, List.of(), roles));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What verifies the records and peers this CA certified. */
  public ClusterTrust trust() {
    return new ClusterTrust(cert);
  }

  public String certPem() {
    return certPem;
  }

  /**
   * A credential for node {@code name}: a certificate for client and server use on the event bus and
   * for signing cluster records, naming the node, the roles it may run (one {@code OU} each) and the
   * given host names and addresses (loopback always included).
   */
  public NodeCredential issue(String name, List<String> hosts, Set<String> roles) throws IOException {
    try {
      KeyPair keys = keyPair();
      Instant now = Instant.now();
      Set<String> all = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
      all.addAll(hosts);
      List<GeneralName> names = new ArrayList<>();
      for (String host : all) {
        names.add(host.matches("[0-9.]+|.*:.*") ? new GeneralName(GeneralName.iPAddress, host)
            : new GeneralName(GeneralName.dNSName, host));
      }
      JcaX509v3CertificateBuilder node = new JcaX509v3CertificateBuilder(cert, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(NODE_LIFETIME)),
          subject(name, roles), keys.getPublic());
      node.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      node.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      node.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      node.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
      node.addExtension(Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(cert));
      X509Certificate issued = certificate(node.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
      return new NodeCredential(name, pem(issued) + certPem,
          pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue a credential for node '" + name + "': " + e.getMessage(), e);
    }
  }

  private static X500Name subject(String name, Set<String> roles) {
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    for (String role : new TreeSet<>(roles)) {
      subject.addRDN(BCStyle.OU, role);
    }
    return subject.addRDN(BCStyle.CN, name).build();
  }

  /** This host's own names, for a credential used on it. */
  public static List<String> localHostNames() {
    List<String> names = new ArrayList<>();
    try {
      String host = InetAddress.getLocalHost().getHostName();
      if (host != null && !host.isBlank()) {
        names.add(host);
      }
    } catch (IOException unknown) {
      // loopback names only
    }
    return names;
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return gen.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE);
  }

  private static X509Certificate certificate(X509CertificateHolder holder) throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static X509Certificate parseCertificate(String pem) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      return certificate((X509CertificateHolder) parser.readObject());
    }
  }

  private static PrivateKey parseKey(String pem, Path file, char[] passphrase) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (o instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
        if (passphrase == null || passphrase.length == 0) {
          throw new IOException("the cluster CA key " + file + " is encrypted: give its passphrase in "
              + "INFERBUS_CA_PASSPHRASE");
        }
        try {
          return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
              new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(passphrase)));
        } catch (PKCSException | OperatorCreationException e) {
          throw new IOException("cannot decrypt the cluster CA key " + file + ": wrong passphrase?");
        }
      }
      if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IOException(file + " holds no private key");
    }
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
