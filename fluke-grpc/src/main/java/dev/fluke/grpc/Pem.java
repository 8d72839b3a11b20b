package dev.fluke.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * TLS material from PEM files: the server's certificate chain and key, and the CA an agent trusts.
 * Keys are read with BouncyCastle (see {@link #privateKey}): PKCS#8 ({@code BEGIN PRIVATE KEY}:
 * RSA, EC or Ed25519), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC
 * PRIVATE KEY}); encrypted keys are refused with the command that decrypts them. Certificates are
 * read with the JDK's {@link CertificateFactory}.
 */
final class Pem {
  /** Turns BouncyCastle's parsed keys into JCA keys with the JDK's own providers. */
  private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

  private static final char[] NO_PASSWORD = new char[0];

  private Pem() {}

  static SSLContext serverContext(TlsFiles files) {
    return serverContext(files, null);
  }

  /**
   * The server's certificate and key, and {@code clientTrust} for client certificates (null: the
   * server asks for none).
   */
  static SSLContext serverContext(TlsFiles files, TrustManager clientTrust) {
    return context(files, "fluke", clientTrust, "TLS certificate ");
  }

  /**
   * An agent's TLS context: its own certificate and key ({@code tls { cert_file key_file }}) for
   * mutual TLS, and {@code trust} for the server's certificate (null: the system's trust store).
   */
  static SSLContext clientContext(TlsFiles own, TrustManager trust) {
    return context(own, "agent", trust, "the agent certificate ");
  }

  /**
   * A TLS context presenting {@code files}' certificate chain and key (under {@code alias}) and
   * trusting {@code trust} (null: the system's trust store); a file that cannot be used is an
   * {@link IllegalArgumentException} naming {@code what} and both files.
   */
  private static SSLContext context(TlsFiles files, String alias, TrustManager trust, String what) {
    try {
      List<Certificate> chain = certificates(files.certFile());
      PrivateKey key = privateKey(files.keyFile());
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(alias, key, NO_PASSWORD, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, NO_PASSWORD);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), trust == null ? null : new TrustManager[] {trust}, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "cannot use "
              + what
              + files.certFile()
              + " with key "
              + files.keyFile()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Trusts exactly the certificates in {@code caFile}. */
  static TrustManager trustManager(Path caFile) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates(caFile)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      return tmf.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot use CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Trusts any certificate for any host ({@code insecure_skip_verify}). Extended, so that the JDK
   * does not add its own host name check on top.
   */
  static TrustManager trustEverything() {
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    byte[] pem = Files.readAllBytes(file);
    List<Certificate> certs =
        List.copyOf(
            CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem)));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + file);
    }
    return certs;
  }

  /**
   * The first private key in a PEM file, read with BouncyCastle's {@link PEMParser}: PKCS#8 ({@code
   * BEGIN PRIVATE KEY}: RSA, EC or Ed25519), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
   * ({@code BEGIN EC PRIVATE KEY}); other blocks before it (e.g. {@code EC PARAMETERS}, a
   * certificate) are skipped. An encrypted key is refused with the command that decrypts it: Fluke
   * stores no passphrases.
   */
  static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser =
        new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
      Object block;
      while ((block = readBlock(parser, file)) != null) {
        if (block instanceof PKCS8EncryptedPrivateKeyInfo || block instanceof PEMEncryptedKeyPair) {
          throw new GeneralSecurityException(
              file
                  + " holds an encrypted key; decrypt it with"
                  + " `openssl pkcs8 -in "
                  + file
                  + " -out key.pem` (Fluke stores no passphrases)");
        }
        try {
          if (block instanceof PrivateKeyInfo info) {
            return KEYS.getPrivateKey(info);
          }
          if (block instanceof PEMKeyPair pair) {
            return KEYS.getKeyPair(pair).getPrivate();
          }
        } catch (PEMException e) {
          throw new GeneralSecurityException(
              "unsupported private key in "
                  + file
                  + " (expected RSA, EC or Ed25519): "
                  + e.getMessage(),
              e);
        }
        // e.g. "EC PARAMETERS" or a certificate before the key: look further
      }
    }
    throw new GeneralSecurityException("no private key in " + file);
  }

  private static Object readBlock(PEMParser parser, Path file)
      throws IOException, GeneralSecurityException {
    try {
      return parser.readObject();
    } catch (PEMException e) {
      throw new GeneralSecurityException("cannot read " + file + " as PEM: " + e.getMessage(), e);
    }
  }
}
