package dev.fluke.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutputLinesTest {

  @Test
  void signalsOnlyWhenTheBufferStopsBeingEmpty() {
    OutputLines lines = new OutputLines(10, 100);

    assertTrue(lines.offer("a", "one"));
    assertFalse(lines.offer("a", "two"));
    assertEquals(2, lines.drain(10).size());
    assertTrue(lines.offer("a", "three"));
  }

  @Test
  void linesBeyondCapacityAreDroppedAndAMarkerTakesTheirPlace() {
    OutputLines lines = new OutputLines(2, 100);
    for (int i = 1; i <= 5; i++) {
      lines.offer("a", "line " + i);
    }
    List<OutputLines.Line> first = lines.drain(10);
    lines.offer("b", "line 6");

    assertEquals(
        List.of("line 1", "line 2"),
        first.subList(0, 2).stream().map(OutputLines.Line::text).toList());
    assertTrue(first.get(2).text().contains("3 output line(s) dropped"), first.get(2).text());
    assertEquals(List.of("line 6"), lines.drain(10).stream().map(OutputLines.Line::text).toList());
    assertTrue(lines.isEmpty());
  }

  @Test
  void markerStaysWhereTheGapWasWhenDrainedInPieces() {
    OutputLines lines = new OutputLines(2, 100);
    lines.offer("a", "1");
    lines.offer("a", "2");
    lines.offer("a", "3");
    lines.drain(1);
    lines.offer("a", "4");

    List<String> rest = lines.drain(10).stream().map(OutputLines.Line::text).toList();

    assertEquals(3, rest.size());
    assertEquals("2", rest.get(0));
    assertTrue(rest.get(1).contains("1 output line(s) dropped"));
    assertEquals("4", rest.get(2));
  }

  @Test
  void longLinesAreCut() {
    OutputLines lines = new OutputLines(2, 5);
    lines.offer("a", "0123456789");

    String line = lines.drain(1).get(0).text();

    assertTrue(line.startsWith("01234 "), line);
    assertTrue(line.contains("cut at 5"), line);
  }
}
