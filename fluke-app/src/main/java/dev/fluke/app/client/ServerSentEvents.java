package dev.fluke.app.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the lines of a {@code text/event-stream} body into events, as the HTML standard's
 * "interpret an event stream" does: {@code event:} sets the type, each {@code data:} adds a line, a
 * blank line dispatches; lines starting with {@code :} are comments, {@code id:} and {@code retry:}
 * are not needed by the CLI and are ignored, as are unknown fields. An event with no data (the
 * server's heartbeat, an empty {@code data:}) is never dispatched.
 *
 * <p>Not thread-safe: one per stream, fed from the one thread that delivers its lines.
 */
final class ServerSentEvents {
  /**
   * One dispatched event: its type ({@code message} when none was given) and its data lines joined
   * by {@code \n}.
   */
  record Frame(String event, String data) {}

  private String event = "";
  private final List<String> data = new ArrayList<>();

  /**
   * Feeds one line (without its line break); returns the event it completes, if it is a blank line
   * ending one.
   */
  Optional<Frame> line(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.startsWith(":")) {
      return Optional.empty();
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> event = value;
      case "data" -> data.add(value);
      default -> {
        // id, retry and fields of later versions of the standard: nothing the CLI needs.
      }
    }
    return Optional.empty();
  }

  private Optional<Frame> dispatch() {
    String type = event.isEmpty() ? "message" : event;
    String joined = String.join("\n", data);
    event = "";
    data.clear();
    // A heartbeat is "data:" alone: an empty data buffer, which the standard says not to dispatch.
    return joined.isEmpty() ? Optional.empty() : Optional.of(new Frame(type, joined));
  }
}
