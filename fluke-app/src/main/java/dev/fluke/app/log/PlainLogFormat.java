package dev.fluke.app.log;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.slf4j.event.Level;

/**
 * The agent's log lines, written as Fluke's Logback set-up writes them ({@code LogSetup}): the text
 * line {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{24} - %msg%n}, the start-up line
 * {@code %d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n}, a throwable as Logback prints it after
 * the line, and Logback's {@code JsonEncoder}'s object per line. Pure: tests hold it against
 * Logback's own encoders.
 */
public final class PlainLogFormat {
  private PlainLogFormat() {}

  /** What one line is made of (the message already formatted with its arguments). */
  public record Event(
      long millis,
      Level level,
      String thread,
      String logger,
      String rawMessage,
      String message,
      Map<String, String> mdc,
      Throwable throwable) {}

  private static final DateTimeFormatter FULL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SHORT =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  /** The text line of {@code log { format = "text" }}. */
  public static String text(Event e) {
    return line(FULL, e);
  }

  /** The line of the start-up set-up (before the config file is read): local time only. */
  public static String startup(Event e) {
    return line(SHORT, e);
  }

  private static String line(DateTimeFormatter time, Event e) {
    StringBuilder b = new StringBuilder(96);
    b.append(time.format(Instant.ofEpochMilli(e.millis()))).append(' ');
    String level = e.level().name();
    b.append(level);
    for (int i = level.length(); i < 5; i++) {
      b.append(' ');
    }
    b.append(' ').append(abbreviate(e.logger(), 24)).append(" - ").append(e.message());
    b.append('\n');
    if (e.throwable() != null) {
      throwable(b, e.throwable(), null, "", "");
    }
    return b.toString();
  }

  /** Logback's {@code %logger{N}}: package segments cut to their first letter, left to right. */
  static String abbreviate(String name, int target) {
    int length = name.length();
    if (length < target) {
      return name;
    }
    int lastDot = name.lastIndexOf('.');
    if (lastDot == -1) {
      return name;
    }
    int lastSegment = length - lastDot;
    int leftTarget = Math.max(0, target - lastSegment);
    int maxTrim = (length - lastSegment) - leftTarget;
    StringBuilder b = new StringBuilder(length);
    int trimmed = 0;
    boolean afterDot = true;
    int i = 0;
    for (; i < lastDot; i++) {
      char c = name.charAt(i);
      if (c == '.') {
        if (trimmed >= maxTrim) {
          break;
        }
        b.append(c);
        afterDot = true;
      } else if (afterDot) {
        b.append(c);
        afterDot = false;
      } else {
        trimmed++;
      }
    }
    return b.append(name, i, length).toString();
  }

  private static void throwable(
      StringBuilder b, Throwable t, StackTraceElement[] parent, String indent, String caption) {
    b.append(indent).append(caption).append(t.getClass().getName()).append(": ");
    b.append(t.getMessage()).append('\n');
    StackTraceElement[] frames = t.getStackTrace();
    int common = commonFrames(frames, parent);
    for (int i = 0; i < frames.length - common; i++) {
      b.append(indent).append("\tat ").append(frames[i]).append('\n');
    }
    if (common > 0) {
      b.append(indent).append("\t... ").append(common).append(" common frames omitted\n");
    }
    for (Throwable s : t.getSuppressed()) {
      throwable(b, s, frames, indent + "\t", "Suppressed: ");
    }
    if (t.getCause() != null && t.getCause() != t) {
      throwable(b, t.getCause(), frames, indent, "Caused by: ");
    }
  }

  private static int commonFrames(StackTraceElement[] frames, StackTraceElement[] parent) {
    if (parent == null) {
      return 0;
    }
    int common = 0;
    for (int i = frames.length - 1, j = parent.length - 1; i >= 0 && j >= 0; i--, j--) {
      if (!frames[i].equals(parent[j])) {
        break;
      }
      common++;
    }
    return common;
  }

  /** The line of {@code log { format = "json" }}: Logback's {@code JsonEncoder}'s fields. */
  public static String json(Event e) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"timestamp\":").append(e.millis());
    b.append(",\"level\":\"").append(e.level().name()).append('"');
    b.append(",\"threadName\":");
    string(b, e.thread());
    b.append(",\"loggerName\":");
    string(b, e.logger());
    b.append(",\"mdc\": {");
    boolean first = true;
    for (Map.Entry<String, String> m : e.mdc().entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      string(b, m.getKey());
      b.append(':');
      string(b, m.getValue());
    }
    b.append('}');
    b.append(",\"message\":");
    string(b, String.valueOf(e.rawMessage()));
    b.append(",\"formattedMessage\":");
    string(b, String.valueOf(e.message()));
    b.append(",\"throwable\":");
    if (e.throwable() == null) {
      b.append("null");
    } else {
      jsonThrowable(b, e.throwable(), null);
    }
    return b.append("}\n").toString();
  }

  private static void jsonThrowable(StringBuilder b, Throwable t, StackTraceElement[] parent) {
    b.append("{\"className\":");
    string(b, t.getClass().getName());
    b.append(",\"message\":");
    string(b, String.valueOf(t.getMessage()));
    StackTraceElement[] frames = t.getStackTrace();
    int common = commonFrames(frames, parent);
    // Logback lists every frame when all of them are common with the enclosing trace.
    int listed = common < frames.length ? frames.length - common : frames.length;
    b.append(",\"stepArray\":[");
    for (int i = 0; i < listed; i++) {
      StackTraceElement f = frames[i];
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"className\":");
      string(b, f.getClassName());
      b.append(",\"methodName\":");
      string(b, f.getMethodName());
      b.append(",\"fileName\":");
      string(b, String.valueOf(f.getFileName()));
      b.append(",\"lineNumber\":").append(f.getLineNumber()).append('}');
    }
    b.append(']');
    if (common > 0) {
      b.append(",\"commonFramesCount\":").append(common);
    }
    if (t.getCause() != null && t.getCause() != t) {
      b.append(",\"cause\":");
      jsonThrowable(b, t.getCause(), frames);
    }
    Throwable[] suppressed = t.getSuppressed();
    if (suppressed.length > 0) {
      b.append(",\"suppressed\":[");
      for (int i = 0; i < suppressed.length; i++) {
        if (i > 0) {
          b.append(',');
        }
        jsonThrowable(b, suppressed[i], frames);
      }
      b.append(']');
    }
    b.append('}');
  }

  /** A JSON string as Logback's {@code JsonEscapeUtil} writes it. */
  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '/' -> b.append("\\/");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04X", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
