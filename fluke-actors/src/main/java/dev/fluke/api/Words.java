package dev.fluke.api;

import java.util.Locale;
import java.util.Optional;

/**
 * The one way Fluke's enums ({@link Status}, {@link CyclePhase}, {@link TargetKind}) are written on
 * the wire, in the UI and the CLI: the constant's name as a lower-case word; and read back from it.
 */
final class Words {
  private Words() {}

  /** The lower-case word of {@code constant}. */
  static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  /** The constant of {@code type} whose word is {@code word} (case-insensitive, trimmed). */
  static <E extends Enum<E>> Optional<E> parse(Class<E> type, String word) {
    if (word == null) {
      return Optional.empty();
    }
    String w = word.trim();
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(w)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** As {@link #parse}, for Jackson: an unknown word is an error naming {@code what}. */
  static <E extends Enum<E>> E fromJson(Class<E> type, String word, String what) {
    return parse(type, word)
        .orElseThrow(() -> new IllegalArgumentException("unknown " + what + " " + word));
  }
}
