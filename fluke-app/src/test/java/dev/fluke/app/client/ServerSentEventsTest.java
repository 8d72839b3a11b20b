package dev.fluke.app.client;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {
  private static List<ServerSentEvents.Frame> parse(String... lines) {
    ServerSentEvents parser = new ServerSentEvents();
    List<ServerSentEvents.Frame> frames = new ArrayList<>();
    for (String line : lines) {
      parser.line(line).ifPresent(frames::add);
    }
    return frames;
  }

  @Test
  void anEventIsDispatchedByTheBlankLineAfterIt() {
    assertEquals(
        List.of(
            new ServerSentEvents.Frame("ready", "{\"time\":\"2025-03-01T12:59:58Z\"}"),
            new ServerSentEvents.Frame("output", "{\"line\":\"x\"}")),
        parse(
            "event: ready",
            "data: {\"time\":\"2025-03-01T12:59:58Z\"}",
            "",
            "event: output",
            "data: {\"line\":\"x\"}",
            ""));
    assertEquals(
        List.of(), parse("event: output", "data: {}"), "not dispatched before the blank line");
  }

  @Test
  void heartbeatsAndCommentsAreSkipped() {
    assertEquals(
        List.of(new ServerSentEvents.Frame("event", "{}")),
        parse("data:", "", ": keep-alive", "", "", "event: event", "data: {}", "", "data: ", ""));
  }

  @Test
  void dataLinesAreJoinedAndTheTypeIsResetAfterEachEvent() {
    assertEquals(
        List.of(
            new ServerSentEvents.Frame("output", "a\n b"),
            new ServerSentEvents.Frame("message", "c")),
        parse("event:output", "data:a", "data:  b", "id: 7", "retry: 1000", "", "data: c", ""));
  }
}
