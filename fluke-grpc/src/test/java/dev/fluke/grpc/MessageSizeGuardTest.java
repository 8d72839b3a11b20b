package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class MessageSizeGuardTest {

  private static ByteString frame(int length, boolean compressed) {
    byte[] header = {
      (byte) (compressed ? 1 : 0),
      (byte) (length >>> 24),
      (byte) (length >>> 16),
      (byte) (length >>> 8),
      (byte) length
    };
    byte[] body = new byte[length];
    for (int i = 0; i < length; i++) {
      body[i] = (byte) i;
    }
    return ByteString.fromArray(header).concat(ByteString.fromArray(body));
  }

  @Test
  void messagesUpToTheLimitPassUnchangedWhereverTheStreamIsCut() {
    ByteString stream = frame(100, false).concat(frame(0, false)).concat(frame(100, false));
    for (int cut = 0; cut <= stream.size(); cut++) {
      MessageSizeGuard guard = new MessageSizeGuard(100);
      MessageSizeGuard.Step a = guard.accept(stream.take(cut));
      MessageSizeGuard.Step b = guard.accept(stream.drop(cut));

      assertNull(a.refusal());
      assertNull(b.refusal());
      assertEquals(stream, a.pass().concat(b.pass()), "cut at " + cut);
    }
  }

  @Test
  void anOversizedMessageIsRefusedFromItsHeaderAndNothingOfItGoesOn() {
    ByteString good = frame(10, false);
    ByteString bigHeaderStart = frame(101, false).take(3);
    ByteString bigHeaderRest = frame(101, false).drop(3).take(4);
    MessageSizeGuard guard = new MessageSizeGuard(100);

    MessageSizeGuard.Step first = guard.accept(good.concat(bigHeaderStart));
    MessageSizeGuard.Step second = guard.accept(bigHeaderRest);

    assertNull(first.refusal());
    assertEquals(good, first.pass(), "a partial header is held back");
    assertNotNull(second.refusal());
    assertTrue(second.refusal().getMessage().contains("101 bytes"), second.refusal().getMessage());
    assertTrue(second.pass().isEmpty());
  }

  @Test
  void aHugeDeclaredLengthIsRefused() {
    MessageSizeGuard guard = new MessageSizeGuard(1 << 20);
    ByteString header =
        ByteString.fromArray(new byte[] {0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});

    assertNotNull(guard.accept(header).refusal());
  }

  @Test
  void compressedMessagesAreRefused() {
    MessageSizeGuard guard = new MessageSizeGuard(100);

    MessageSizeGuard.Step step = guard.accept(frame(10, false).concat(frame(10, true)));

    assertEquals(frame(10, false), step.pass());
    assertTrue(step.refusal().getMessage().contains("compressed"));
  }

  @Test
  void aStreamMayEndOnlyBetweenMessages() {
    ByteString stream = frame(10, false).concat(frame(20, false));
    for (int cut = 0; cut <= stream.size(); cut++) {
      MessageSizeGuard guard = new MessageSizeGuard(100);
      guard.accept(stream.take(cut));
      boolean between = cut == 0 || cut == 15 || cut == stream.size();
      String truncation = guard.truncation();
      assertEquals(between, truncation == null, "cut at " + cut + ": " + truncation);
      if (!between) {
        assertTrue(truncation.contains("truncated"), truncation);
      }
    }
  }
}
