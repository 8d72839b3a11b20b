package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The names an agent certificate lets its holder register under. */
class AgentCertificatesTest {
  @TempDir Path dir;

  private static X509Certificate read(TlsFiles files) throws Exception {
    return (X509Certificate) Pem.certificates(files.certFile()).get(0);
  }

  @Test
  void theDnsSubjectAlternativeNamesAreTheNamesWhenThereAreAny() throws Exception {
    TestPki pki = TestPki.create(dir, "CA");
    TlsFiles both =
        pki.issue(
            "multi",
            "/CN=ignored-when-there-are-sans",
            "subjectAltName=DNS:web-01,DNS:web-01.example.org,IP:10.0.0.5,email:ops@example.org\n");
    assertEquals(Set.of("web-01", "web-01.example.org"), AgentCertificates.names(read(both)));
  }

  @Test
  void withoutDnsNamesTheSubjectCommonNameIsTheName() throws Exception {
    TestPki pki = TestPki.create(dir, "CA");
    assertEquals(
        Set.of("db-01"),
        AgentCertificates.names(read(pki.issue("cn-only", "/O=Fluke/OU=db/CN=db-01", ""))));
    assertEquals(Set.of(), AgentCertificates.names(read(pki.issue("nameless", "/O=Fluke", ""))));
  }
}
