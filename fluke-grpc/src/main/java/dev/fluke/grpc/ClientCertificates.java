package dev.fluke.grpc;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Mutual TLS for the agents' endpoint ({@code tls { client_ca_file crl_file }} in server.hcl):
 * every agent must present a certificate issued by a CA in {@code caFile}, not revoked by {@code
 * crlFile}, whose name is the agent's name (see {@link AgentCertificates}).
 *
 * @param caFile PEM certificate(s) of the CA(s) that issue agent certificates
 * @param crlFile PEM or DER certificate revocation list(s) issued by those CAs; re-read when it
 *     changes
 */
public record ClientCertificates(Path caFile, Optional<Path> crlFile) {}
