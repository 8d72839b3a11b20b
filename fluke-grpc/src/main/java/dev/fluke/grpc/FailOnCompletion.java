package dev.fluke.grpc;

import java.util.function.Supplier;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Passes elements on; when upstream completes, fails instead if {@code reason} then names a
 * failure. Unlike concatenating a failed source, this reacts to completion even when downstream has
 * no demand.
 */
final class FailOnCompletion<T> extends GraphStage<FlowShape<T, T>> {
  private final Inlet<T> in = Inlet.create("FailOnCompletion.in");
  private final Outlet<T> out = Outlet.create("FailOnCompletion.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final Supplier<? extends Throwable> reason;

  FailOnCompletion(Supplier<? extends Throwable> reason) {
    this.reason = reason;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                push(out, grab(in));
              }

              @Override
              public void onUpstreamFinish() {
                Throwable t = reason.get();
                if (t == null) {
                  completeStage();
                } else {
                  failStage(t);
                }
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(in);
              }
            });
      }
    };
  }
}
