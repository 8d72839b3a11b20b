package dev.fluke.grpc;

import org.apache.pekko.util.ByteString;

/**
 * Follows the gRPC length-prefixed framing of one request stream as its bytes arrive and stops at a
 * message whose declared length is above the limit, before the bytes are buffered to decode it
 * (Pekko gRPC 1.1 would accumulate a whole message of any declared size, up to 2 GiB). Compressed
 * messages are refused too: their inflated size is unknown until they are inflated, and agents
 * never compress.
 *
 * <p>Frame headers are passed on only once complete and accepted, so what goes on always ends at a
 * message boundary or inside an accepted message. One instance per stream, fed every chunk in
 * order; not thread-safe (one stream stage calls it).
 */
final class MessageSizeGuard {
  private static final int HEADER = 5;

  /** What may go on from one chunk, and why the stream must stop after it (null: it need not). */
  record Step(ByteString pass, MessageTooLarge refusal) {}

  private final int maxMessageSize;
  private final byte[] header = new byte[HEADER];
  private int headerFilled;
  private long bodyLeft;

  MessageSizeGuard(int maxMessageSize) {
    this.maxMessageSize = maxMessageSize;
  }

  /**
   * Why the stream may not end here, or null when it may: a stream that ends inside a frame header
   * or before a message's declared length arrived is truncated.
   */
  String truncation() {
    if (headerFilled > 0) {
      return "the stream ended inside a message header (truncated: "
          + headerFilled
          + " of 5 bytes)";
    }
    if (bodyLeft > 0) {
      return "the stream ended inside a message (truncated: " + bodyLeft + " bytes missing)";
    }
    return null;
  }

  Step accept(ByteString chunk) {
    ByteString pass = ByteString.emptyByteString();
    int i = 0;
    int n = chunk.size();
    while (i < n) {
      if (bodyLeft > 0) {
        int take = (int) Math.min(bodyLeft, n - i);
        pass = pass.concat(chunk.slice(i, i + take));
        bodyLeft -= take;
        i += take;
        continue;
      }
      header[headerFilled++] = chunk.apply(i++);
      if (headerFilled == HEADER) {
        headerFilled = 0;
        long length =
            ((header[1] & 0xFFL) << 24)
                | ((header[2] & 0xFFL) << 16)
                | ((header[3] & 0xFFL) << 8)
                | (header[4] & 0xFFL);
        if ((header[0] & 0x01) != 0) {
          return new Step(pass, new MessageTooLarge("compressed messages are not accepted"));
        }
        if (length > maxMessageSize) {
          return new Step(
              pass,
              new MessageTooLarge(
                  "message of "
                      + length
                      + " bytes is larger than the limit of "
                      + maxMessageSize
                      + " bytes"));
        }
        pass = pass.concat(ByteString.fromArray(header.clone()));
        bodyLeft = length;
      }
    }
    return new Step(pass, null);
  }
}
