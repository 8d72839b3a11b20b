package dev.fluke.app.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A server's {@code /metrics} as the benches read it (the Prometheus text format), and the sums of
 * the counters they take from it.
 */
record Scrape(String text) {

  /** Reads {@code /metrics} of the server at {@code base} ({@code http://host:port}). */
  static Scrape of(HttpClient http, String base) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/metrics"))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build();
    return new Scrape(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
  }

  /** The value of the unlabelled counter {@code name} (0 when absent). */
  long counter(String name) {
    return sum(name, "");
  }

  /**
   * The sum of the samples of {@code name} whose labels contain {@code label} (empty: every sample,
   * with labels or without); 0 when there are none.
   */
  long sum(String name, String label) {
    long total = 0;
    for (String line : text.lines().toList()) {
      if (!line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      String labels = "";
      if (rest.startsWith("{") && rest.indexOf('}') > 0) {
        labels = rest.substring(1, rest.indexOf('}'));
        rest = rest.substring(rest.indexOf('}') + 1);
      } else if (!rest.startsWith(" ")) {
        continue; // another metric whose name starts with this one
      }
      if (labels.contains(label)) {
        total += (long) Double.parseDouble(rest.trim());
      }
    }
    return total;
  }
}
