package dev.fluke.grpc;

import java.nio.file.Path;

/**
 * The server's TLS certificate chain and private key, as PEM files ({@code tls { cert_file,
 * key_file }}).
 */
public record TlsFiles(Path certFile, Path keyFile) {}
