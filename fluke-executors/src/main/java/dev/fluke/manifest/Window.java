package dev.fluke.manifest;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task's maintenance window ({@code window { allow = [...] deny = [...] timezone = "..." }}):
 * when the server may apply it on its own. Pure and immutable: a function of the instant.
 *
 * <p>Each entry is {@code [DAYS] HH:MM-HH:MM}: DAYS is a day ({@code Sat}), a range ({@code
 * Mon-Fri}, may wrap: {@code Fri-Mon}) or a comma list of those ({@code Mon,Wed,Fri-Sun}), and
 * every day when left out; times are wall-clock times in {@link #zone()}, the end exclusive and
 * {@code 24:00} allowed; an end before the start runs past midnight into the next day ({@code Fri
 * 22:00-02:00} ends Saturday 02:00). The window is open at an instant when its local time is in
 * some {@code allow} entry (or there is no {@code allow}) and in no {@code deny} entry. Wall-clock
 * time decides across daylight-saving changes: on the night clocks go forward, an entry's time that
 * does not exist is skipped (Sun 02:00-04:00 in Europe/Berlin is open 03:00-04:00, one real hour);
 * on the night they go back, a repeated hour counts twice.
 *
 * @param allow the entries the window is open in; empty = always, unless denied
 * @param deny the entries the window is closed in, whatever {@code allow} says
 */
public record Window(List<Entry> allow, List<Entry> deny, ZoneId zone) {
  public Window {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
    if (allow.isEmpty() && deny.isEmpty()) {
      throw new IllegalArgumentException("a window needs allow or deny entries");
    }
  }

  /** The grammar of one entry, for messages and docs. */
  public static final String EXPECTED =
      "\"[DAYS] HH:MM-HH:MM\", e.g. \"Sat 02:00-06:00\", \"Mon-Fri 22:00-23:30\","
          + " \"Mon,Wed 12:00-13:00\" or \"01:00-05:00\" (every day)";

  private static final int DAY = 24 * 60;
  private static final Pattern ENTRY =
      Pattern.compile("^(?:(\\S+)\\s+)?(\\d{1,2}):(\\d{2})\\s*-\\s*(\\d{1,2}):(\\d{2})$");
  private static final List<String> DAY_NAMES =
      List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

  /**
   * One entry: on {@code days}, from {@code start} to {@code end} minutes after local midnight
   * ({@code end} < {@code start}: into the next day).
   *
   * @param text the entry as written
   */
  public record Entry(String text, Set<DayOfWeek> days, int start, int end) {
    public Entry {
      days = Set.copyOf(days);
    }

    /** True when the local {@code day} at minute {@code minute} of it is in this entry. */
    boolean contains(DayOfWeek day, int minute) {
      if (start < end) {
        return days.contains(day) && minute >= start && minute < end;
      }
      // Past midnight: the evening part on its day, the morning part on the next.
      return days.contains(day) && minute >= start || days.contains(day.minus(1)) && minute < end;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Parses one entry.
   *
   * @throws IllegalArgumentException with what is wrong and what was expected
   */
  public static Entry entry(String text) {
    String s = text == null ? "" : text.trim();
    Matcher m = ENTRY.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("bad window entry \"" + text + "\": expected " + EXPECTED);
    }
    Set<DayOfWeek> days =
        m.group(1) == null ? EnumSet.allOf(DayOfWeek.class) : days(text, m.group(1));
    int start = minute(text, m.group(2), m.group(3));
    int end = minute(text, m.group(4), m.group(5));
    if (start == DAY) {
      throw new IllegalArgumentException(
          "bad window entry \"" + text + "\": a window cannot start at 24:00 (write 00:00)");
    }
    if (start == end) {
      throw new IllegalArgumentException(
          "bad window entry \"" + text + "\": it starts and ends at the same time (empty)");
    }
    return new Entry(s, days, start, end);
  }

  private static Set<DayOfWeek> days(String text, String spec) {
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String part : spec.split(",", -1)) {
      String[] range = part.split("-", -1);
      if (range.length > 2 || part.isEmpty()) {
        throw badDays(text, part);
      }
      DayOfWeek from = day(text, range[0]);
      DayOfWeek to = range.length == 2 ? day(text, range[1]) : from;
      for (DayOfWeek d = from; ; d = d.plus(1)) {
        out.add(d);
        if (d == to) {
          break;
        }
      }
    }
    return out;
  }

  private static DayOfWeek day(String text, String word) {
    int i = DAY_NAMES.indexOf(word.toLowerCase(Locale.ROOT));
    if (i < 0) {
      throw badDays(text, word);
    }
    return DayOfWeek.of(i + 1);
  }

  private static IllegalArgumentException badDays(String text, String part) {
    return new IllegalArgumentException(
        "bad window entry \""
            + text
            + "\": unknown day \""
            + part
            + "\"; days are Mon Tue Wed Thu Fri Sat Sun, a range like Mon-Fri or a list like"
            + " Mon,Wed,Fri");
  }

  private static int minute(String text, String hh, String mm) {
    int h = Integer.parseInt(hh);
    int m = Integer.parseInt(mm);
    if (h > 24 || m > 59 || h == 24 && m != 0) {
      throw new IllegalArgumentException(
          "bad window entry \""
              + text
              + "\": "
              + hh
              + ":"
              + mm
              + " is not a time of day (00:00-24:00)");
    }
    return h * 60 + m;
  }

  /**
   * A window from written entries.
   *
   * @throws IllegalArgumentException naming the first bad entry or the unknown zone
   */
  public static Window of(List<String> allow, List<String> deny, String timezone) {
    ZoneId zone = zone(timezone);
    return new Window(
        allow.stream().map(Window::entry).toList(),
        deny.stream().map(Window::entry).toList(),
        zone);
  }

  /** A time zone by its IANA name ({@code Europe/Berlin}, {@code UTC}). */
  public static ZoneId zone(String name) {
    try {
      return ZoneId.of(name);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "unknown time zone \""
              + name
              + "\": use an IANA name such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\"");
    }
  }

  /** True when the window is open at {@code t}. */
  public boolean isOpen(Instant t) {
    LocalDateTime local = LocalDateTime.ofInstant(t, zone);
    DayOfWeek day = local.getDayOfWeek();
    int minute = local.getHour() * 60 + local.getMinute();
    boolean allowed = allow.isEmpty() || allow.stream().anyMatch(e -> e.contains(day, minute));
    return allowed && deny.stream().noneMatch(e -> e.contains(day, minute));
  }

  /** The first instant at or after {@code t} when the window is open; null when it never opens. */
  public Instant nextOpening(Instant t) {
    return next(t, true);
  }

  /**
   * The first instant at or after {@code t} when the window is closed; null when it never closes.
   */
  public Instant nextClosing(Instant t) {
    return next(t, false);
  }

  private Instant next(Instant t, boolean open) {
    if (isOpen(t) == open) {
      return t;
    }
    // The state can only change where an entry starts or ends: try those instants in order over
    // a little more than a week (the pattern repeats every week).
    TreeSet<Instant> candidates = new TreeSet<>();
    LocalDate first = LocalDate.ofInstant(t, zone).minusDays(1);
    for (int d = 0; d <= 9; d++) {
      LocalDate date = first.plusDays(d);
      for (Entry e : allow) {
        addBoundary(candidates, date, e.start());
        addBoundary(candidates, date, e.end());
      }
      for (Entry e : deny) {
        addBoundary(candidates, date, e.start());
        addBoundary(candidates, date, e.end());
      }
      addBoundary(candidates, date, 0);
    }
    for (Instant c : candidates.tailSet(t, false)) {
      if (isOpen(c) == open) {
        return c;
      }
    }
    return null;
  }

  /** The instant(s) where local {@code date} reaches {@code minute}. */
  private void addBoundary(TreeSet<Instant> out, LocalDate date, int minute) {
    LocalDateTime ldt = date.atStartOfDay().plusMinutes(minute);
    ZoneOffsetTransition transition = zone.getRules().getTransition(ldt);
    if (transition != null && transition.isGap()) {
      // This local time does not exist: the first instant after it is the end of the gap.
      out.add(transition.getInstant());
      return;
    }
    ZonedDateTime z = ZonedDateTime.ofLocal(ldt, zone, null);
    out.add(z.withEarlierOffsetAtOverlap().toInstant());
    out.add(z.withLaterOffsetAtOverlap().toInstant());
  }

  /** How a person reads the instant in the window's zone: {@code Sat 2026-12-05 02:00 CET}. */
  public String describe(Instant t) {
    ZonedDateTime z = t.atZone(zone);
    return z.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)
        + " "
        + z.toLocalDate()
        + " "
        + z.toLocalTime().withSecond(0).withNano(0)
        + " "
        + zone.getId();
  }

  /** The entries as written: {@code allow [Sat 02:00-06:00] deny [] (Europe/Berlin)}. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (!allow.isEmpty()) {
      parts.add("allow " + allow);
    }
    if (!deny.isEmpty()) {
      parts.add("deny " + deny);
    }
    return String.join(" ", parts) + " (" + zone.getId() + ")";
  }
}
