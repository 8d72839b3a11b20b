package dev.fluke.exec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a process's raw output bytes, hands every complete line to a consumer as soon as it is
 * seen, and keeps only the last {@code tailBytes} bytes. Memory is bounded whatever the process
 * prints: the tail is a ring buffer and a line longer than {@link #MAX_LINE_BYTES} is handed on in
 * pieces. The ring grows with the output up to {@code tailBytes}, so a command that prints little
 * (most checks print nothing) costs no more than what it printed.
 *
 * <p>Not thread-safe: one reader feeds it.
 */
final class OutputCapture {
  private static final Logger log = LoggerFactory.getLogger(OutputCapture.class);
  static final int MAX_LINE_BYTES = 64 * 1024;

  private static final byte[] NONE = new byte[0];
  private static final int FIRST_RING_BYTES = 256;

  private final int tailBytes;
  private byte[] ring = NONE; // grows up to tailBytes
  private int ringStart; // index of the oldest byte
  private int ringSize;
  private long totalBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Consumer<String> lines;
  private boolean consumerFailed;
  private String firstLine;

  OutputCapture(int tailBytes, Consumer<String> lines) {
    this.tailBytes = Math.max(0, tailBytes);
    this.lines = lines;
  }

  void accept(byte[] buf, int off, int len) {
    totalBytes += len;
    appendToRing(buf, off, len);
    int start = off;
    for (int i = off; i < off + len; i++) {
      if (buf[i] == '\n') {
        line.write(buf, start, i - start);
        emitLine();
        start = i + 1;
      } else if (line.size() + (i - start) >= MAX_LINE_BYTES) {
        line.write(buf, start, i - start);
        emitLine();
        start = i;
      }
    }
    line.write(buf, start, off + len - start);
  }

  /** Hands on a last line that had no newline. */
  void finish() {
    if (line.size() > 0) {
      emitLine();
    }
  }

  /** Emits a line of our own (e.g. "$ systemctl start x") to the consumer and the tail. */
  void note(String text) {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    accept(bytes, 0, bytes.length);
  }

  /** The first line seen, or null. */
  String firstLine() {
    return firstLine;
  }

  long totalBytes() {
    return totalBytes;
  }

  /** The kept tail, decoded as UTF-8; a character cut in half at the start is dropped. */
  String tail() {
    byte[] out = new byte[ringSize];
    int first = Math.min(ringSize, ring.length - ringStart);
    System.arraycopy(ring, ringStart, out, 0, first);
    System.arraycopy(ring, 0, out, first, ringSize - first);
    int skip = 0;
    if (totalBytes > ringSize) {
      // the tail starts inside the output: skip UTF-8 continuation bytes of a cut character
      while (skip < out.length && skip < 3 && (out[skip] & 0xC0) == 0x80) {
        skip++;
      }
    }
    return decode(out, skip, out.length - skip);
  }

  private void appendToRing(byte[] buf, int off, int len) {
    if (tailBytes == 0) {
      return;
    }
    if (ringSize + len > ring.length && ring.length < tailBytes) {
      grow(ringSize + len);
    }
    int cap = ring.length;
    if (len >= cap) {
      System.arraycopy(buf, off + len - cap, ring, 0, cap);
      ringStart = 0;
      ringSize = cap;
      return;
    }
    int end = (ringStart + ringSize) % cap;
    int first = Math.min(len, cap - end);
    System.arraycopy(buf, off, ring, end, first);
    System.arraycopy(buf, off + first, ring, 0, len - first);
    int overflow = ringSize + len - cap;
    if (overflow > 0) {
      ringStart = (ringStart + overflow) % cap;
      ringSize = cap;
    } else {
      ringSize += len;
    }
  }

  /** Makes room for {@code needed} bytes (at most {@code tailBytes}), oldest byte first. */
  private void grow(int needed) {
    int size = Math.min(tailBytes, Math.max(needed, Math.max(ring.length * 2, FIRST_RING_BYTES)));
    byte[] bigger = new byte[size];
    int first = Math.min(ringSize, ring.length - ringStart);
    System.arraycopy(ring, ringStart, bigger, 0, first);
    System.arraycopy(ring, 0, bigger, first, ringSize - first);
    ring = bigger;
    ringStart = 0;
  }

  private void emitLine() {
    byte[] bytes = line.toByteArray();
    line.reset();
    int len = bytes.length;
    if (len > 0 && bytes[len - 1] == '\r') {
      len--;
    }
    String text = decode(bytes, 0, len);
    if (firstLine == null) {
      firstLine = text;
    }
    if (consumerFailed) {
      return;
    }
    try {
      lines.accept(text);
    } catch (RuntimeException e) {
      // a broken sink must not break the command; we still keep the tail
      consumerFailed = true;
      log.warn("output consumer failed, no further lines are streamed", e);
    }
  }

  private static String decode(byte[] bytes, int off, int len) {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      CharBuffer cb = dec.decode(ByteBuffer.wrap(bytes, off, len));
      return cb.toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return new String(bytes, off, len, StandardCharsets.UTF_8);
    }
  }
}
