package dev.fluke.config;

import java.util.Locale;

/** {@code log { level = "info" format = "text" }}, the same for server and agent. */
public record LogConfig(Level level, Format format) {
  public enum Level {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  /** {@code text} for people, {@code json} (one object per line) for log collectors. */
  public enum Format {
    TEXT,
    JSON
  }

  public static LogConfig defaults() {
    return new LogConfig(Level.INFO, Format.TEXT);
  }

  static LogConfig of(String level, String format) {
    return new LogConfig(
        Level.valueOf(level.toUpperCase(Locale.ROOT)),
        Format.valueOf(format.toUpperCase(Locale.ROOT)));
  }
}
