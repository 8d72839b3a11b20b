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
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {

  @TempDir Path dir;

  @Test
  void pkcs8AndPkcs1RsaKeysLoadToTheSameKey() throws Exception {
    TestCerts certs = TestCerts.create(dir);
    PrivateKey pkcs8 = Pem.privateKey(certs.key());
    Path pkcs1File = dir.resolve("rsa.key");
    Files.writeString(
        pkcs1File,
        TestCerts.pem("RSA PRIVATE KEY", innerOctetString(pkcs8.getEncoded())),
        StandardCharsets.US_ASCII);

    PrivateKey pkcs1 = Pem.privateKey(pkcs1File);

    assertEquals("RSA", pkcs8.getAlgorithm());
    assertArrayEquals(pkcs8.getEncoded(), pkcs1.getEncoded());
    assertEquals(1, Pem.certificates(certs.cert()).size());
  }

  @Test
  void keysFlukeCannotUseAreRefusedWithTheWayOut() throws Exception {
    Path encrypted = dir.resolve("enc.key");
    Files.writeString(encrypted, TestCerts.pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
    Path none = dir.resolve("none.key");
    Files.writeString(none, "nothing here\n");

    GeneralSecurityException e =
        assertThrows(GeneralSecurityException.class, () -> Pem.privateKey(encrypted));
    assertTrue(e.getMessage().contains("openssl pkcs8"), e.getMessage());
    assertThrows(GeneralSecurityException.class, () -> Pem.privateKey(none));
    assertThrows(IllegalArgumentException.class, () -> Pem.serverContext(new TlsFiles(none, none)));
  }

  /** The content of the OCTET STRING at the end of a PKCS#8 PrivateKeyInfo: the PKCS#1 key. */
  private static byte[] innerOctetString(byte[] pkcs8) {
    int i = skipHeader(pkcs8, 0); // into the outer SEQUENCE
    i = skipWhole(pkcs8, i); // version
    i = skipWhole(pkcs8, i); // algorithm
    int content = skipHeader(pkcs8, i);
    return Arrays.copyOfRange(pkcs8, content, content + length(pkcs8, i));
  }

  private static int skipHeader(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    return at + 2 + (first < 0x80 ? 0 : first & 0x7F);
  }

  private static int skipWhole(byte[] der, int at) {
    return skipHeader(der, at) + length(der, at);
  }

  private static int length(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    if (first < 0x80) {
      return first;
    }
    int n = 0;
    for (int k = 0; k < (first & 0x7F); k++) {
      n = (n << 8) | (der[at + 2 + k] & 0xFF);
    }
    return n;
  }
}
