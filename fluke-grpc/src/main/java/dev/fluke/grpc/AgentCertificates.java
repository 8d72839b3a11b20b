package dev.fluke.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent identity with mutual TLS: which client certificates the agents' endpoint accepts, and whose
 * they are.
 *
 * <ul>
 *   <li>A certificate is accepted when the JDK's PKIX validation finds a path to a CA of {@code
 *       client_ca_file} (validity dates, key usage and extended key usage {@code clientAuth} when
 *       present are checked as usual) and no certificate of that path is revoked by a CRL of {@code
 *       crl_file}. Refused handshakes are logged at WARN with the reason.
 *   <li>{@code crl_file} is read at start (it must be valid then) and read again whenever its
 *       modification time or size changes: at the next handshake, and every {@code
 *       fluke.grpc.server.crl-check-interval} ({@link #recheck}). A CRL must be signed by a CA of
 *       {@code client_ca_file}; a new file that does not parse or verify is refused with an ERROR
 *       and the previous CRLs stay in force (revocations are never dropped by a bad edit). A CRL
 *       past its {@code nextUpdate} is still applied, with a WARN.
 *   <li>Streams already open with a certificate that a new CRL revokes are ended ({@code
 *       PERMISSION_DENIED}), so revoking takes effect without waiting for the agent to reconnect.
 *   <li>A certificate's names ({@link #names}) are its DNS subject alternative names, or, when it
 *       has none, its subject's common name (CN). An agent may register only under one of them,
 *       compared exactly.
 * </ul>
 *
 * Thread-safe: handshakes run on many threads at once.
 */
final class AgentCertificates {
  private static final Logger log = LoggerFactory.getLogger(AgentCertificates.class);

  private final ClientCertificates files;
  private final List<X509Certificate> cas;
  private final X509ExtendedTrustManager pkix;
  private final Clock clock;
  private final Map<Object, Tracked> live = new ConcurrentHashMap<>();
  private volatile Revocations revocations;

  private record Tracked(X509Certificate certificate, Consumer<String> end) {}

  /** The CRLs in force and the file state they were read from. */
  private record Revocations(List<X509CRL> crls, Object fileState) {
    static final Revocations NONE = new Revocations(List.of(), null);

    X509CRL revoking(X509Certificate c) {
      for (X509CRL crl : crls) {
        if (crl.getIssuerX500Principal().equals(c.getIssuerX500Principal()) && crl.isRevoked(c)) {
          return crl;
        }
      }
      return null;
    }
  }

  private AgentCertificates(
      ClientCertificates files,
      List<X509Certificate> cas,
      X509ExtendedTrustManager pkix,
      Clock clock) {
    this.files = files;
    this.cas = cas;
    this.pkix = pkix;
    this.clock = clock;
  }

  /**
   * @throws IllegalArgumentException when the CA file or the CRL file cannot be used (the message
   *     says why)
   */
  static AgentCertificates load(ClientCertificates files, Clock clock) {
    List<X509Certificate> cas = new ArrayList<>();
    X509ExtendedTrustManager pkix;
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (Certificate c : Pem.certificates(files.caFile())) {
        X509Certificate x = (X509Certificate) c;
        cas.add(x);
        store.setCertificateEntry("ca-" + cas.size(), x);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      pkix = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException | ClassCastException e) {
      throw new IllegalArgumentException(
          "cannot use client_ca_file " + files.caFile() + ": " + e.getMessage(), e);
    }
    AgentCertificates certificates = new AgentCertificates(files, List.copyOf(cas), pkix, clock);
    certificates.revocations = Revocations.NONE;
    if (files.crlFile().isPresent()) {
      try {
        certificates.revocations = certificates.readCrls(files.crlFile().get());
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalArgumentException(
            "cannot use crl_file " + files.crlFile().get() + ": " + e.getMessage(), e);
      }
    }
    return certificates;
  }

  /** The trust manager of the agents' endpoint: accepts agent certificates as described above. */
  X509ExtendedTrustManager trustManager() {
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        String peer =
            engine == null ? "unknown peer" : engine.getPeerHost() + ":" + engine.getPeerPort();
        try {
          pkix.checkClientTrusted(chain, authType, engine);
          checkNotRevoked(chain);
        } catch (CertificateException e) {
          log.warn(
              "Refused an agent's TLS handshake from {}: certificate {}: {}",
              peer,
              describe(chain),
              e.getMessage());
          throw e;
        }
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        checkNotRevoked(chain);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        checkNotRevoked(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        throw new CertificateException("this trust manager checks agents, not servers");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        throw new CertificateException("this trust manager checks agents, not servers");
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        throw new CertificateException("this trust manager checks agents, not servers");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        // Sent in the CertificateRequest, so an agent with several certificates picks the right
        // one.
        return cas.toArray(new X509Certificate[0]);
      }
    };
  }

  private void checkNotRevoked(X509Certificate[] chain) throws CertificateException {
    Revocations now = current();
    for (X509Certificate c : chain) {
      X509CRL crl = now.revoking(c);
      if (crl != null) {
        throw new CertificateException(
            "certificate serial "
                + hex(c.getSerialNumber())
                + " of "
                + c.getSubjectX500Principal()
                + " is revoked (crl_file "
                + files.crlFile().orElse(null)
                + ")");
      }
    }
  }

  /**
   * Follows a stream opened with {@code certificate} until the returned handle is closed; {@code
   * end} is called with the reason when a new CRL revokes the certificate.
   */
  AutoCloseable track(X509Certificate certificate, Consumer<String> end) {
    Object key = new Object();
    live.put(key, new Tracked(certificate, end));
    return () -> live.remove(key);
  }

  /**
   * Reads the CRL file again when it changed and ends the open streams whose certificate it now
   * revokes. Called every {@code crl-check-interval}; cheap when nothing changed (one stat).
   */
  void recheck() {
    Revocations now = current();
    for (Map.Entry<Object, Tracked> e : live.entrySet()) {
      X509Certificate c = e.getValue().certificate();
      if (now.revoking(c) != null) {
        live.remove(e.getKey());
        String why =
            "the agent certificate serial "
                + hex(c.getSerialNumber())
                + " of "
                + c.getSubjectX500Principal()
                + " was revoked";
        log.warn("Ending an agent stream: {}", why);
        e.getValue().end().accept(why);
      }
    }
  }

  /** The CRLs in force, read again first when the file changed. */
  private Revocations current() {
    Revocations known = revocations;
    if (files.crlFile().isEmpty()) {
      return known;
    }
    Path file = files.crlFile().get();
    Object state;
    try {
      state = fileState(file);
    } catch (IOException e) {
      log.error(
          "Cannot read crl_file {} ({}); the revocations read before stay in force",
          file,
          e.toString());
      return known;
    }
    if (Objects.equals(state, known.fileState())) {
      return known;
    }
    synchronized (this) {
      if (Objects.equals(state, revocations.fileState())) {
        return revocations;
      }
      try {
        revocations = readCrls(file);
        log.info(
            "Read crl_file {}: {} revoked certificate(s)",
            file,
            revocations.crls().stream()
                .mapToInt(
                    c -> c.getRevokedCertificates() == null ? 0 : c.getRevokedCertificates().size())
                .sum());
      } catch (GeneralSecurityException | IOException e) {
        // Remember the state: one ERROR per bad edit, not one per handshake.
        revocations = new Revocations(revocations.crls(), state);
        log.error(
            "crl_file {} changed but cannot be used ({}); the revocations read before stay in force",
            file,
            e.getMessage());
      }
      return revocations;
    }
  }

  private Revocations readCrls(Path file) throws IOException, GeneralSecurityException {
    Object state = fileState(file);
    byte[] bytes = Files.readAllBytes(file);
    Collection<? extends CRL> read =
        CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes));
    if (read.isEmpty()) {
      throw new GeneralSecurityException("no certificate revocation list in " + file);
    }
    List<X509CRL> crls = new ArrayList<>();
    for (CRL crl : read) {
      X509CRL x = (X509CRL) crl;
      verify(x);
      if (x.getNextUpdate() != null && x.getNextUpdate().toInstant().isBefore(clock.instant())) {
        log.warn(
            "The CRL of {} in {} is past its nextUpdate ({}): it is still applied; issue a new one"
                + " (openssl ca -gencrl)",
            x.getIssuerX500Principal(),
            file,
            x.getNextUpdate().toInstant());
      }
      crls.add(x);
    }
    return new Revocations(List.copyOf(crls), state);
  }

  /** A CRL counts only when a CA of client_ca_file signed it. */
  private void verify(X509CRL crl) throws GeneralSecurityException {
    for (X509Certificate ca : cas) {
      if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
        crl.verify(ca.getPublicKey());
        return;
      }
    }
    throw new GeneralSecurityException(
        "the CRL of " + crl.getIssuerX500Principal() + " is not issued by a CA of client_ca_file");
  }

  private static Object fileState(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
  }

  /**
   * The names an agent with this certificate may register under: its DNS subject alternative names,
   * or its subject's CN when it has none.
   */
  static Set<String> names(X509Certificate certificate) {
    Set<String> names = new LinkedHashSet<>();
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String dns) {
            names.add(dns);
          }
        }
      }
    } catch (CertificateParsingException e) {
      return Set.of();
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(String.valueOf(rdn.getValue()));
          }
        }
      } catch (InvalidNameException e) {
        return Set.of();
      }
    }
    return Set.copyOf(names);
  }

  private static String describe(X509Certificate[] chain) {
    if (chain == null || chain.length == 0) {
      return "(none)";
    }
    return chain[0].getSubjectX500Principal() + " serial " + hex(chain[0].getSerialNumber());
  }

  static String hex(BigInteger serial) {
    return serial.toString(16).toUpperCase(java.util.Locale.ROOT);
  }
}
