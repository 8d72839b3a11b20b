package dev.fluke.grpc;

import dev.fluke.protocol.ProtocolViolation;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Applies {@link MessageSizeGuard} to a request body. At an oversized message it records why in
 * {@code refused}, ends the body it passes on cleanly at the last good message, and from then on
 * reads and discards what the agent still sends. It must not fail or cancel the HTTP/2 request
 * stream: that would reset the whole call before the RESOURCE_EXHAUSTED status can reach the agent.
 * For the same reason, when the call's own decoding stops reading (a message that does not decode
 * fails the call), it does not pass that cancellation on to the request stream but discards the
 * rest, so the call's status still gets out.
 *
 * <p>A body that ends inside a message (a truncated frame) fails what it passes on with a {@link
 * ProtocolViolation} (INVALID_ARGUMENT), instead of ending it: a clean end there would let the call
 * end with OK, and Pekko gRPC's decoder would throw (and log at ERROR) on the partial frame.
 */
final class MessageSizeLimit extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final Inlet<ByteString> in = Inlet.create("MessageSizeLimit.in");
  private final Outlet<ByteString> out = Outlet.create("MessageSizeLimit.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final int maxMessageSize;
  private final AtomicReference<MessageTooLarge> refused;

  MessageSizeLimit(int maxMessageSize, AtomicReference<MessageTooLarge> refused) {
    this.maxMessageSize = maxMessageSize;
    this.refused = refused;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private final MessageSizeGuard guard = new MessageSizeGuard(maxMessageSize);
      private boolean discarding;

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                ByteString chunk = grab(in);
                if (discarding) {
                  pull(in);
                  return;
                }
                MessageSizeGuard.Step step = guard.accept(chunk);
                if (step.refusal() != null) {
                  refused.compareAndSet(null, step.refusal());
                  discarding = true;
                  if (step.pass().isEmpty()) {
                    complete(out);
                  } else {
                    emit(out, step.pass(), () -> complete(out));
                  }
                  pull(in);
                } else if (step.pass().isEmpty()) {
                  pull(in);
                } else {
                  push(out, step.pass());
                }
              }

              @Override
              public void onUpstreamFinish() {
                String truncated = discarding ? null : guard.truncation();
                if (truncated == null) {
                  completeStage();
                } else {
                  failStage(new ProtocolViolation(truncated));
                }
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                if (!hasBeenPulled(in)) {
                  pull(in);
                }
              }

              @Override
              public void onDownstreamFinish(Throwable cause) {
                // Keep reading (and dropping) the request: cancelling it would reset the call.
                discarding = true;
                if (!hasBeenPulled(in) && !isClosed(in)) {
                  pull(in);
                }
              }
            });
      }
    };
  }
}
