package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowTest {

  private static Instant at(String zoned) {
    return ZonedDateTime.parse(zoned).toInstant();
  }

  @Test
  void anAllowEntryIsOpenOnItsDayBetweenItsTimesEndExclusive() {
    Window w = Window.of(List.of("Sat 02:00-06:00"), List.of(), "Europe/Berlin");
    // 2026-12-05 is a Saturday; Berlin is UTC+1 in winter.
    assertFalse(w.isOpen(at("2026-12-05T01:59+01:00[Europe/Berlin]")));
    assertTrue(w.isOpen(at("2026-12-05T02:00+01:00[Europe/Berlin]")));
    assertTrue(w.isOpen(at("2026-12-05T05:59+01:00[Europe/Berlin]")));
    assertFalse(w.isOpen(at("2026-12-05T06:00+01:00[Europe/Berlin]")));
    assertFalse(w.isOpen(at("2026-12-06T03:00+01:00[Europe/Berlin]")), "Sunday is not Saturday");
    // The same instant seen from UTC: 02:30 Berlin is 01:30 UTC.
    assertTrue(w.isOpen(Instant.parse("2026-12-05T01:30:00Z")));
  }

  @Test
  void dayRangesListsAndEveryDay() {
    Window weekdays = Window.of(List.of("Mon-Fri 22:00-23:30"), List.of(), "UTC");
    assertTrue(weekdays.isOpen(Instant.parse("2026-12-04T22:15:00Z"))); // Friday
    assertFalse(weekdays.isOpen(Instant.parse("2026-12-05T22:15:00Z"))); // Saturday
    Window wrapped = Window.of(List.of("Fri-Mon 10:00-11:00"), List.of(), "UTC");
    assertTrue(wrapped.isOpen(Instant.parse("2026-12-06T10:30:00Z"))); // Sunday
    assertFalse(wrapped.isOpen(Instant.parse("2026-12-08T10:30:00Z"))); // Tuesday
    Window list = Window.of(List.of("mon,WED 12:00-13:00"), List.of(), "UTC");
    assertTrue(list.isOpen(Instant.parse("2026-12-09T12:00:00Z"))); // Wednesday
    assertFalse(list.isOpen(Instant.parse("2026-12-08T12:00:00Z")));
    Window daily = Window.of(List.of("01:00-05:00"), List.of(), "UTC");
    assertTrue(daily.isOpen(Instant.parse("2026-12-08T04:59:00Z")));
  }

  @Test
  void anEntryEndingBeforeItStartsRunsPastMidnight() {
    Window w = Window.of(List.of("Fri 22:00-02:00"), List.of(), "UTC");
    assertTrue(w.isOpen(Instant.parse("2026-12-04T23:00:00Z"))); // Friday evening
    assertTrue(w.isOpen(Instant.parse("2026-12-05T01:59:00Z"))); // Saturday morning
    assertFalse(w.isOpen(Instant.parse("2026-12-05T02:00:00Z")));
    assertFalse(w.isOpen(Instant.parse("2026-12-04T01:00:00Z")), "Friday morning is Thursday's");
  }

  @Test
  void denyWinsOverAllowAndDenyAloneMeansOpenOtherwise() {
    Window w = Window.of(List.of("Mon-Fri 00:00-24:00"), List.of("Wed 12:00-14:00"), "UTC");
    assertTrue(w.isOpen(Instant.parse("2026-12-09T11:59:00Z")));
    assertFalse(w.isOpen(Instant.parse("2026-12-09T12:30:00Z")));
    Window freeze = Window.of(List.of(), List.of("Fri 16:00-24:00", "Sat-Sun 00:00-24:00"), "UTC");
    assertTrue(freeze.isOpen(Instant.parse("2026-12-04T15:00:00Z")));
    assertFalse(freeze.isOpen(Instant.parse("2026-12-05T15:00:00Z")));
    assertEquals(
        Instant.parse("2026-12-07T00:00:00Z"),
        freeze.nextOpening(Instant.parse("2026-12-04T17:00:00Z")));
  }

  @Test
  void nextOpeningAndClosing() {
    Window w = Window.of(List.of("Sat 02:00-06:00"), List.of(), "Europe/Berlin");
    Instant friday = at("2026-12-04T12:00+01:00[Europe/Berlin]");
    assertEquals(at("2026-12-05T02:00+01:00[Europe/Berlin]"), w.nextOpening(friday));
    Instant inside = at("2026-12-05T03:00+01:00[Europe/Berlin]");
    assertEquals(inside, w.nextOpening(inside), "open now: opens now");
    assertEquals(at("2026-12-05T06:00+01:00[Europe/Berlin]"), w.nextClosing(inside));
    // Just after it closed: next Saturday.
    assertEquals(
        at("2026-12-12T02:00+01:00[Europe/Berlin]"),
        w.nextOpening(at("2026-12-05T06:00+01:00[Europe/Berlin]")));
  }

  @Test
  void aWindowThatIsAlwaysDeniedNeverOpens() {
    Window w = Window.of(List.of("Sat 02:00-06:00"), List.of("Sat 00:00-24:00"), "UTC");
    assertNull(w.nextOpening(Instant.parse("2026-12-01T00:00:00Z")));
  }

  @Test
  void springForwardSkipsTheMissingHour() {
    // Berlin, 2026-03-29 (Sunday): 02:00 local does not exist, clocks jump to 03:00 (01:00 UTC).
    Window w = Window.of(List.of("Sun 02:30-04:00"), List.of(), "Europe/Berlin");
    Instant before = Instant.parse("2026-03-28T12:00:00Z");
    // The first instant whose local time is in the entry is the end of the gap: 03:00 CEST.
    assertEquals(Instant.parse("2026-03-29T01:00:00Z"), w.nextOpening(before));
    assertTrue(w.isOpen(Instant.parse("2026-03-29T01:00:00Z")));
    assertFalse(w.isOpen(Instant.parse("2026-03-29T00:59:00Z"))); // 01:59 CET
    assertEquals(Instant.parse("2026-03-29T02:00:00Z"), w.nextClosing(before.plusSeconds(47_000)));
  }

  @Test
  void fallBackCountsTheRepeatedHourTwice() {
    // Berlin, 2026-10-25 (Sunday): 03:00 CEST goes back to 02:00 CET; 02:00-03:00 happens twice.
    Window w = Window.of(List.of("Sun 02:00-03:00"), List.of(), "Europe/Berlin");
    Instant firstPass = Instant.parse("2026-10-25T00:30:00Z"); // 02:30 CEST
    Instant secondPass = Instant.parse("2026-10-25T01:30:00Z"); // 02:30 CET
    assertTrue(w.isOpen(firstPass));
    assertTrue(w.isOpen(secondPass));
    assertEquals(
        Instant.parse("2026-10-25T00:00:00Z"),
        w.nextOpening(Instant.parse("2026-10-24T12:00:00Z")));
    assertEquals(Instant.parse("2026-10-25T02:00:00Z"), w.nextClosing(firstPass), "two real hours");
  }

  @Test
  void malformedEntriesSayWhatIsWrong() {
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Saturday 02:00-06:00"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Sat 2am-6am"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Sat 25:00-26:00"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Sat 02:60-03:00"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Sat 02:00-02:00"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry("Mon-Tue-Wed 02:00-03:00"));
    assertThrows(IllegalArgumentException.class, () -> Window.entry(""));
    IllegalArgumentException zone =
        assertThrows(IllegalArgumentException.class, () -> Window.zone("Mars/Olympus"));
    assertTrue(zone.getMessage().contains("unknown time zone \"Mars/Olympus\""), zone.getMessage());
    IllegalArgumentException day =
        assertThrows(IllegalArgumentException.class, () -> Window.entry("Sam 02:00-06:00"));
    assertTrue(day.getMessage().contains("unknown day \"Sam\""), day.getMessage());
  }

  @Test
  void describesAnInstantInTheWindowsZone() {
    Window w = Window.of(List.of("Sat 02:00-06:00"), List.of(), "Europe/Berlin");
    assertEquals(
        "Sat 2026-12-05 02:00 Europe/Berlin", w.describe(Instant.parse("2026-12-05T01:00:00Z")));
    assertEquals("allow [Sat 02:00-06:00] (Europe/Berlin)", w.toString());
  }
}
