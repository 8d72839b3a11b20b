package dev.fluke.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The fleet filter, applied by the server to {@code GET /api/v1/agents?filter=WORDS} (fluke-http
 * AgentRoutes): the one implementation behind the web UI's fleet filter and {@code fluke get agents
 * WORD...}, which both send their words there. Every word must match, case-insensitively. {@code
 * key=value} matches a label whose value starts with {@code value}; a task status ({@code
 * satisfied}, {@code drifted}, {@code failed}, {@code error}, {@code pending}, {@code applying})
 * matches agents with a task in that status; {@code connected} and {@code disconnected} match the
 * connection; any other word matches a part of the name.
 */
public final class AgentFilter implements Predicate<Dto.AgentSummary> {
  private final List<String> words;

  private AgentFilter(List<String> words) {
    this.words = words;
  }

  /**
   * The filter of these words (each may itself hold several, separated by blanks); none matches
   * all.
   */
  public static AgentFilter of(List<String> words) {
    return new AgentFilter(
        words.stream()
            .flatMap(w -> Arrays.stream(w.trim().toLowerCase(Locale.ROOT).split("\\s+")))
            .filter(w -> !w.isEmpty())
            .toList());
  }

  public boolean isEmpty() {
    return words.isEmpty();
  }

  @Override
  public boolean test(Dto.AgentSummary a) {
    for (String w : words) {
      if (!matches(a, w)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(Dto.AgentSummary a, String w) {
    int eq = w.indexOf('=');
    if (eq > 0) {
      String key = w.substring(0, eq);
      for (Map.Entry<String, String> label : a.labels().entrySet()) {
        if (label.getKey().toLowerCase(Locale.ROOT).equals(key)
            && label.getValue().toLowerCase(Locale.ROOT).startsWith(w.substring(eq + 1))) {
          return true;
        }
      }
      return false;
    }
    java.util.Optional<Status> status = Status.parse(w);
    if (status.isPresent()) {
      return a.counts().get(status.get()) > 0;
    }
    if (w.equals("connected") || w.equals("disconnected")) {
      return a.connected() == w.equals("connected");
    }
    return a.name().toLowerCase(Locale.ROOT).contains(w);
  }
}
