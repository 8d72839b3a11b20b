package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputCaptureTest {
  private static void feed(OutputCapture c, String s, int chunk) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += chunk) {
      c.accept(b, i, Math.min(chunk, b.length - i));
    }
  }

  @Test
  void keepsExactlyTheLastBytesAcrossManySmallWrites() {
    OutputCapture c = new OutputCapture(10, l -> {});
    feed(c, "0123456789abcdefghij-KLMNOPQRS", 3);
    assertEquals("-KLMNOPQRS", c.tail());
    assertEquals(30, c.totalBytes());
  }

  @Test
  void linesSplitAcrossWritesAreJoined() {
    List<String> lines = new ArrayList<>();
    OutputCapture c = new OutputCapture(100, lines::add);
    feed(c, "alpha\r\nbeta\ngam", 2);
    feed(c, "ma", 1);
    c.finish();
    assertEquals(List.of("alpha", "beta", "gamma"), lines);
  }

  @Test
  void aCharacterCutAtTheStartOfTheTailIsDropped() {
    OutputCapture c = new OutputCapture(5, l -> {});
    feed(c, "xxxxé€", 64); // é = 2 bytes, € = 3 bytes: the last 5 bytes are é€ exactly
    assertEquals("é€", c.tail());
    OutputCapture cut = new OutputCapture(4, l -> {});
    feed(cut, "xxxxé€", 64); // last 4 bytes start inside é
    assertEquals("€", cut.tail());
  }

  @Test
  void endlessLinesAreHandedOnInBoundedPieces() {
    List<String> lines = new ArrayList<>();
    OutputCapture c = new OutputCapture(16, lines::add);
    feed(c, "y".repeat(OutputCapture.MAX_LINE_BYTES * 3 + 5) + "\n", 8192);
    assertEquals(4, lines.size());
    assertTrue(lines.stream().allMatch(l -> l.length() <= OutputCapture.MAX_LINE_BYTES));
    assertEquals(5, lines.get(3).length());
  }

  @Test
  void theTailGrowsWithTheOutputAndAlwaysHoldsItsLastBytes() {
    java.util.Random random = new java.util.Random(42);
    for (int tail : new int[] {1, 7, 300, 16_384}) {
      OutputCapture c = new OutputCapture(tail, l -> {});
      StringBuilder all = new StringBuilder();
      assertEquals("", c.tail());
      for (int write = 0; write < 400; write++) {
        int len = random.nextInt(write % 50 == 0 ? 5000 : 40);
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < len; i++) {
          chunk.append((char) ('a' + random.nextInt(26)));
        }
        feed(c, chunk.toString(), Math.max(1, len));
        all.append(chunk);
        String expected = all.substring(Math.max(0, all.length() - tail));
        assertEquals(expected, c.tail(), "tail " + tail + " after write " + write);
      }
      assertEquals(all.length(), c.totalBytes());
    }
  }

  @Test
  void zeroTailKeepsNothingButStillStreams() {
    List<String> lines = new ArrayList<>();
    OutputCapture c = new OutputCapture(0, lines::add);
    feed(c, "a\nb\n", 1);
    assertEquals("", c.tail());
    assertEquals(List.of("a", "b"), lines);
  }
}
