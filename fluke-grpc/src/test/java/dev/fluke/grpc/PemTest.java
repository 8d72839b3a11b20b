package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key type docs/configuration.md documents, made with the real openssl, loads. */
class PemTest {

  @TempDir Path dir;

  @Test
  void pkcs8AndPkcs1RsaKeysLoadToTheSameKey() throws Exception {
    Openssl openssl = new Openssl(dir);
    openssl.run(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa8.key");
    openssl.run("rsa", "-in", "rsa8.key", "-traditional", "-out", "rsa1.key");
    assertTrue(Files.readString(dir.resolve("rsa8.key")).contains("BEGIN PRIVATE KEY"));
    assertTrue(Files.readString(dir.resolve("rsa1.key")).contains("BEGIN RSA PRIVATE KEY"));

    PrivateKey pkcs8 = Pem.privateKey(dir.resolve("rsa8.key"));
    PrivateKey pkcs1 = Pem.privateKey(dir.resolve("rsa1.key"));

    assertEquals("RSA", pkcs8.getAlgorithm());
    assertArrayEquals(pkcs8.getEncoded(), pkcs1.getEncoded());
  }

  @Test
  void ecKeysLoadAsPkcs8AndAsSec1WithTheirParameters() throws Exception {
    Openssl openssl = new Openssl(dir);
    // SEC1 ("EC PRIVATE KEY"), with an "EC PARAMETERS" block before it
    openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec1.key");
    openssl.run("pkcs8", "-topk8", "-nocrypt", "-in", "ec1.key", "-out", "ec8.key");
    assertTrue(Files.readString(dir.resolve("ec1.key")).contains("BEGIN EC PARAMETERS"));

    PrivateKey sec1 = Pem.privateKey(dir.resolve("ec1.key"));
    PrivateKey pkcs8 = Pem.privateKey(dir.resolve("ec8.key"));

    assertEquals("EC", sec1.getAlgorithm());
    assertArrayEquals(pkcs8.getEncoded(), Pem.privateKey(dir.resolve("ec8.key")).getEncoded());
    assertEquals(
        ((java.security.interfaces.ECPrivateKey) pkcs8).getS(),
        ((java.security.interfaces.ECPrivateKey) sec1).getS());
  }

  @Test
  void ed25519KeysLoadAndSign() throws Exception {
    Openssl openssl = new Openssl(dir);
    openssl.run("genpkey", "-algorithm", "ed25519", "-out", "ed.key");

    PrivateKey key = Pem.privateKey(dir.resolve("ed.key"));

    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(key);
    signer.update("fluke".getBytes(StandardCharsets.US_ASCII));
    assertEquals(64, signer.sign().length);
  }

  @Test
  void aServerContextLoadsFromTheCertificateAndItsKey() throws Exception {
    TestCerts certs = TestCerts.create(dir);
    assertEquals(1, Pem.certificates(certs.cert()).size());
    assertTrue(Pem.certificates(certs.cert()).get(0) instanceof X509Certificate);
    assertEquals("TLS", Pem.serverContext(new TlsFiles(certs.cert(), certs.key())).getProtocol());
  }

  @Test
  void keysFlukeCannotUseAreRefusedWithTheWayOut() throws Exception {
    Openssl openssl = new Openssl(dir);
    openssl.run(
        "genpkey", "-algorithm", "RSA", "-aes256", "-pass", "pass:secret", "-out", "enc.key");
    Path encrypted = dir.resolve("enc.key");
    assertTrue(Files.readString(encrypted).contains("BEGIN ENCRYPTED PRIVATE KEY"));
    Path none = dir.resolve("none.key");
    Files.writeString(none, "nothing here\n");
    Path certOnly = TestCerts.create(dir).cert();

    GeneralSecurityException e =
        assertThrows(GeneralSecurityException.class, () -> Pem.privateKey(encrypted));
    assertTrue(e.getMessage().contains("openssl pkcs8"), e.getMessage());
    assertThrows(GeneralSecurityException.class, () -> Pem.privateKey(none));
    GeneralSecurityException noKey =
        assertThrows(GeneralSecurityException.class, () -> Pem.privateKey(certOnly));
    assertTrue(noKey.getMessage().startsWith("no private key in"), noKey.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Pem.serverContext(new TlsFiles(none, none)));
  }
}
