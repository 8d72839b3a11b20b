package dev.fluke.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A certificate authority for agents made with the real openssl, with exactly the commands of
 * docs/security.md ("Agent identity: mutual TLS"): the CA, a certificate per host, revoking one and
 * publishing the CRL.
 */
public final class TestPki {
  private final Openssl openssl;

  private TestPki(Openssl openssl) {
    this.openssl = openssl;
  }

  /** A new CA (ca.crt, ca.key) in {@code dir}, with its CRL (agents.crl, nothing revoked yet). */
  public static TestPki create(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("ca.cnf"),
        """
        [ ca ]
        default_ca = fluke_agents

        [ fluke_agents ]
        database         = index.txt
        crlnumber        = crlnumber
        certificate      = ca.crt
        private_key      = ca.key
        default_md       = sha256
        default_crl_days = 30
        """);
    Files.writeString(dir.resolve("index.txt"), "");
    Files.writeString(dir.resolve("crlnumber"), "1000\n");
    Openssl openssl = new Openssl(dir);
    openssl.run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=" + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    TestPki pki = new TestPki(openssl);
    pki.publishCrl();
    return pki;
  }

  public Path caCert() {
    return openssl.file("ca.crt");
  }

  public Path crl() {
    return openssl.file("agents.crl");
  }

  /** A client certificate for host {@code name}: CN and DNS subject alternative name. */
  public TlsFiles issue(String name) throws IOException, InterruptedException {
    return issue(name, "/CN=" + name, "subjectAltName=DNS:" + name + "\n");
  }

  /** A client certificate with this subject and these extension lines (e.g. no SAN). */
  public TlsFiles issue(String file, String subject, String extensions)
      throws IOException, InterruptedException {
    openssl.run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        file + ".key",
        "-out",
        file + ".csr",
        "-subj",
        subject);
    Files.writeString(
        openssl.file(file + ".ext"),
        extensions + "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n");
    openssl.run(
        "x509",
        "-req",
        "-in",
        file + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "825",
        "-extfile",
        file + ".ext",
        "-out",
        file + ".crt");
    return new TlsFiles(openssl.file(file + ".crt"), openssl.file(file + ".key"));
  }

  /** Revokes a certificate and publishes the new CRL (agents.crl). */
  public void revoke(TlsFiles certificate) throws IOException, InterruptedException {
    openssl.run("ca", "-config", "ca.cnf", "-revoke", certificate.certFile().toString());
    publishCrl();
  }

  public void publishCrl() throws IOException, InterruptedException {
    // Written beside and moved into place, as an operator's deploy would: never half a file.
    openssl.run("ca", "-config", "ca.cnf", "-gencrl", "-out", "agents.crl.new");
    Files.move(
        openssl.file("agents.crl.new"),
        crl(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
