package dev.fluke.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server listen address: {@code ":7070"} (all interfaces), {@code "0.0.0.0:7070"}, {@code
 * "127.0.0.1:7070"}, {@code "localhost:7070"}, {@code "[::1]:7070"}. Port 0 asks the OS for a free
 * port.
 *
 * @param host the host or IP without brackets; empty for all interfaces
 */
public record ListenAddress(String host, int port) {
  private static final Pattern FORM = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]*):(\\d{1,5})");
  private static final Pattern IPV4_LOOPBACK =
      Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

  /** Parses {@code host:port} / {@code :port} / {@code [v6]:port}; empty when malformed. */
  public static Optional<ListenAddress> parse(String s) {
    Matcher m = FORM.matcher(s.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      return Optional.empty();
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
      if (host.isEmpty()) {
        return Optional.empty();
      }
    }
    return Optional.of(new ListenAddress(host, port));
  }

  /** Every interface: {@code ":7070"}, {@code "0.0.0.0:7070"}, {@code "[::]:7070"}. */
  public boolean allInterfaces() {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
  }

  /** Reachable from this host only: localhost, 127.0.0.0/8, ::1. */
  public boolean loopback() {
    return host.equalsIgnoreCase("localhost")
        || IPV4_LOOPBACK.matcher(host).matches()
        || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1");
  }

  /** The host to bind: {@code 0.0.0.0} for all interfaces. */
  public String bindHost() {
    return host.isEmpty() ? "0.0.0.0" : host;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
