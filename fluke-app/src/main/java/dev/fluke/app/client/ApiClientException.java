package dev.fluke.app.client;

/**
 * A call to the Fluke server failed; the message is meant for the person at the terminal and says
 * what to do about it (start the server, pass a token, look the name up).
 */
public final class ApiClientException extends RuntimeException {
  private final int status;
  private final boolean unreachable;

  public ApiClientException(int status, String message, Throwable cause) {
    this(status, message, cause, false);
  }

  private ApiClientException(int status, String message, Throwable cause, boolean unreachable) {
    super(message, cause);
    this.status = status;
    this.unreachable = unreachable;
  }

  /** No connection to the server could be made (refused, unknown host, TLS failed, timed out). */
  static ApiClientException unreachable(String message, Throwable cause) {
    return new ApiClientException(0, message, cause, true);
  }

  /** True when no connection to the server could be made at all. */
  public boolean unreachable() {
    return unreachable;
  }

  /**
   * The HTTP status the server answered with, or 0 when no answer came (unreachable, timed out).
   */
  public int status() {
    return status;
  }
}
