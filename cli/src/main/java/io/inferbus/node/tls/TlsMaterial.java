package io.inferbus.node.tls;

import io.inferbus.protocol.files.DurableFiles;
import io.inferbus.protocol.net.TlsServerConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
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
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The node's TLS material in {@code <data-dir>/tls}: a self-signed CA and a server certificate it
 * signed (ECDSA P-256), generated on first start and reused after; the CA's key is discarded once it
 * has signed. Callers trust {@code ca.pem}.
 */
public final class TlsMaterial {
  public static final String CA_CERT = "ca.pem";
  /** Where versions before 0.1 kept the CA's key; removed when the material is generated again. */
  private static final String OLD_CA_KEY = "ca-key.pem";
  public static final String SERVER_CERT = "server.pem";
  public static final String SERVER_KEY = "server-key.pem";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration SERVER_LIFETIME = Duration.ofDays(825);

  private TlsMaterial() {}

  /** The server TLS config: user-given PEM files, or the generated ones (created if absent). */
  public static TlsServerConfig loadOrCreate(Path tlsDir, Path userCert, Path userKey) throws IOException {
    if (userCert != null && userKey != null) {
      return new TlsServerConfig(userCert, userKey);
    }
    Path cert = tlsDir.resolve(SERVER_CERT);
    Path key = tlsDir.resolve(SERVER_KEY);
    if (!Files.exists(cert) || !Files.exists(key) || !Files.exists(tlsDir.resolve(CA_CERT))) {
      generate(tlsDir);
    }
    return new TlsServerConfig(cert, key);
  }

  private static void generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair caKeys = gen.generateKeyPair();
      KeyPair serverKeys = gen.generateKeyPair();
      Instant now = Instant.now();
      X500Name caName = new X500Name("CN=Inferbus local CA " + Long.toHexString(new SecureRandom().nextLong()));
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

      JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), caName, caKeys.getPublic());
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      ca.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate caCert = sign(ca.build(signer(caKeys)));

      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.iPAddress, "::1"));
      String host = InetAddress.getLocalHost().getHostName();
      if (host != null && !host.isBlank() && !host.equals("localhost")) {
        names.add(new GeneralName(GeneralName.dNSName, host));
      }
      JcaX509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caCert, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(SERVER_LIFETIME)),
          new X500Name("CN=localhost"), serverKeys.getPublic());
      server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      server.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      server.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(new GeneralName[0])));
      server.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate serverCert = sign(server.build(signer(caKeys)));

      // The CA's key is not kept: it signed the one server certificate and nothing needs it again,
      // while anyone who read it could mint certificates every client of this node trusts. A new
      // server certificate (expiry, other names) comes with a new CA.
      Files.deleteIfExists(dir.resolve(OLD_CA_KEY));
      write(dir.resolve(SERVER_KEY), pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
          serverKeys.getPrivate(), null).generate()), true);
      write(dir.resolve(CA_CERT), pem(caCert), false);
      write(dir.resolve(SERVER_CERT), pem(serverCert), false);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot generate TLS material: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE);
  }

  private static org.bouncycastle.operator.ContentSigner signer(KeyPair keys) throws OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
  }

  private static X509Certificate sign(X509CertificateHolder holder) throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  private static void write(Path file, String content, boolean secret) throws IOException {
    DurableFiles.replace(file, content.getBytes(java.nio.charset.StandardCharsets.UTF_8), secret);
  }
}
