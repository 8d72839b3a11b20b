package dev.fluke.cluster;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node side of a chunked answer: an answer (already serialized) is sent in chunks of at most
 * {@link #SIZE} bytes, so no message between nodes nears Artery's frame size whatever the answer's
 * size. An answer of one chunk is sent at once and not kept; a larger one is kept (at most {@code
 * maxKept} answers, the oldest forgotten first) until its last chunk is asked for. Owned by one
 * actor; not thread-safe.
 */
final class Chunks {
  /** Bytes per chunk: a quarter of Artery's 256 KiB frame. */
  static final int SIZE = 64 * 1024;

  /** One chunk: {@code bytes} from {@code offset} of an answer of {@code total} bytes. */
  record Chunk(long id, int offset, byte[] bytes, int total, String failure)
      implements CborSerializable {
    static Chunk failed(String why) {
      return new Chunk(0, 0, new byte[0], 0, why);
    }

    boolean last() {
      return failure != null || offset + bytes.length >= total;
    }
  }

  private final int size;
  private final int maxKept;
  private final Map<Long, byte[]> kept = new LinkedHashMap<>();
  private long nextId = 1;

  Chunks(int size, int maxKept) {
    this.size = size;
    this.maxKept = maxKept;
  }

  /** The first chunk of {@code answer}; the rest is kept for {@link #next}. */
  Chunk first(byte[] answer) {
    if (answer.length <= size) {
      return new Chunk(0, 0, answer, answer.length, null);
    }
    long id = nextId++;
    kept.put(id, answer);
    Iterator<Long> oldest = kept.keySet().iterator();
    while (kept.size() > maxKept && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    return new Chunk(id, 0, Arrays.copyOfRange(answer, 0, size), answer.length, null);
  }

  /** The chunk of answer {@code id} from {@code offset}; the answer is forgotten after its last. */
  Chunk next(long id, int offset) {
    byte[] answer = kept.get(id);
    if (answer == null) {
      return Chunk.failed("the answer is no longer kept (asked too late or too many at once)");
    }
    int to = Math.min(answer.length, offset + size);
    if (to >= answer.length) {
      kept.remove(id);
    }
    return new Chunk(id, offset, Arrays.copyOfRange(answer, offset, to), answer.length, null);
  }

  int kept() {
    return kept.size();
  }
}
