package dev.fluke.hcl;

import java.util.Collection;

/** Helpers for error messages that name what was expected. */
public final class Names {
  private Names() {}

  /** Names longer than this are not compared for suggestions (the distance is quadratic). */
  private static final int MAX_COMPARED = 64;

  /** Lists of names in messages stop after this many. */
  public static final int MAX_LISTED = 50;

  /**
   * {@code " (did you mean \"upper\"?)"} when a candidate is close to {@code name}, else {@code
   * ""}.
   */
  public static String suggest(String name, Collection<String> candidates) {
    if (name.length() > MAX_COMPARED || candidates.size() > 1_000) {
      return "";
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      if (c.length() > MAX_COMPARED) {
        continue;
      }
      int d = distance(name.toLowerCase(), c.toLowerCase());
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, name.length() / 3));
    return best != null && bestDistance <= allowed ? " (did you mean \"" + best + "\"?)" : "";
  }

  /**
   * {@code a, b, c}, or {@code none}; past {@value #MAX_LISTED} names, {@code a, b, … (1,234 in
   * all)}.
   */
  public static String list(Collection<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    if (names.size() <= MAX_LISTED) {
      return String.join(", ", names);
    }
    return String.join(", ", names.stream().limit(MAX_LISTED).toList())
        + String.format(", … (%,d in all)", names.size());
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
