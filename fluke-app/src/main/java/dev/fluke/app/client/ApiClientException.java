package dev.fluke.app.client;

/**
 * A call to the Fluke server failed; the message is meant for the person at the terminal and says
 * what to do about it (start the server, pass a token, look the name up).
 */
public final class ApiClientException extends RuntimeException {
  private final int status;

  public ApiClientException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /**
   * The HTTP status the server answered with, or 0 when no answer came (unreachable, timed out).
   */
  public int status() {
    return status;
  }
}
