package dev.fluke.server;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The other cluster nodes' suspension keepers, as a {@link SuspensionKeeper} that starts sees them
 * (cluster mode only; a single server has none): it announces itself so that they can ask it, and
 * asks them for their {@link SuspensionBook}s before it applies anything.
 */
public interface SuspensionPeers {
  /**
   * Makes {@code keeper} known to the other nodes (they ask it with {@link
   * SuspensionKeeper.GetBook}).
   */
  void announce(ActorRef<SuspensionKeeper.Command> keeper);

  /**
   * The books of every other Up member; an empty list when this node is the only one. Fails, with
   * why, while this node is not an Up member itself or while some Up member has not answered (or
   * has not read its own store yet): the keeper asks again later and applies nothing meanwhile.
   */
  CompletionStage<List<SuspensionBook>> books();
}
