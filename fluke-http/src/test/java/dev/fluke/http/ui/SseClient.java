package dev.fluke.http.ui;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads a server-sent-event stream with the JDK client, one raw line at a time, on its own thread.
 */
final class SseClient implements AutoCloseable {
  /** One event: its type and its data lines joined. */
  record Message(String event, String data) {}

  private static final String END = "\u0000end";
  final HttpResponse<Stream<String>> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread reader;

  SseClient(String url, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    response = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofLines());
    reader =
        new Thread(
            () -> {
              try {
                response.body().forEach(lines::add);
              } catch (RuntimeException e) {
                // closed by the test
              } finally {
                lines.add(END);
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** The next raw line, or fails after {@code max}. */
  String line(Duration max) throws InterruptedException {
    String line = lines.poll(max.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("no line from the stream within " + max);
    }
    if (line.equals(END)) {
      throw new AssertionError("the stream ended");
    }
    return line;
  }

  /** The next event with data (heartbeats and comments skipped). */
  Message next(Duration max) throws InterruptedException {
    String event = "message";
    List<String> data = new ArrayList<>();
    while (true) {
      String line = line(max);
      if (line.isEmpty()) {
        if (!data.isEmpty() && !(data.size() == 1 && data.get(0).isEmpty())) {
          return new Message(event, String.join("\n", data));
        }
        event = "message";
        data.clear();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.add(line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5));
      }
    }
  }

  @Override
  public void close() {
    response.body().close();
    reader.interrupt();
  }
}
