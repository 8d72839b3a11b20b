package dev.fluke.grpc;

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
                completeStage();
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
            });
      }
    };
  }
}
