package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ChunksTest {
  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void aSmallAnswerIsOneChunkAndIsNotKept() {
    Chunks chunks = new Chunks(10, 4);
    Chunks.Chunk c = chunks.first(bytes(10));
    assertTrue(c.last());
    assertEquals(10, c.total());
    assertEquals(0, chunks.kept());
  }

  @Test
  void aLargeAnswerComesInChunksOfAtMostTheSizeAndIsForgottenAfterItsLast() {
    Chunks chunks = new Chunks(10, 4);
    byte[] answer = bytes(25);
    Chunks.Chunk c = chunks.first(answer);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int n = 1;
    got.writeBytes(c.bytes());
    while (!c.last()) {
      assertEquals(10, c.bytes().length);
      c = chunks.next(c.id(), c.offset() + c.bytes().length);
      got.writeBytes(c.bytes());
      n++;
    }
    assertEquals(3, n);
    assertArrayEquals(answer, got.toByteArray());
    assertEquals(0, chunks.kept());
  }

  @Test
  void atMostMaxKeptAnswersAreKeptTheOldestForgottenFirst() {
    Chunks chunks = new Chunks(10, 2);
    Chunks.Chunk a = chunks.first(bytes(30));
    chunks.first(bytes(30));
    chunks.first(bytes(30));
    assertEquals(2, chunks.kept());
    Chunks.Chunk late = chunks.next(a.id(), 10);
    assertNotNull(late.failure());
    assertTrue(late.last());
    assertFalse(chunks.first(bytes(30)).last());
  }
}
