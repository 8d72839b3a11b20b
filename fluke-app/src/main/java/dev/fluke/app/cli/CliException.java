package dev.fluke.app.cli;

/**
 * A command failed in a way the user can act on. {@link FlukeCommand} prints {@code error:
 * <message>} (no stack trace) and exits 1. Any command, including the server-side ones, may throw
 * it.
 */
public final class CliException extends RuntimeException {
  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
