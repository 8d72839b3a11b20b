package dev.fluke.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Time under a test's control: Pekko's {@link ManualTime} drives the timers, and {@link #clock()}
 * is the engine's clock ({@link ServerSettings#withClock}); {@link #timePasses} moves both, the
 * clock first, so what a timer starts sees the new time. One per actor system (the test kit's must
 * be configured with {@link ManualTime#config()}).
 */
public final class TestTime {
  private static final Map<ActorSystem<?>, TestTime> BY_SYSTEM = new WeakHashMap<>();

  private final ManualTime manual;
  private volatile Instant now = Instant.now();
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          throw new UnsupportedOperationException("the test clock is UTC");
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  private TestTime(ManualTime manual) {
    this.manual = manual;
  }

  /** The test time of this system (made on first use). */
  public static synchronized TestTime of(ActorSystem<?> system) {
    return BY_SYSTEM.computeIfAbsent(system, s -> new TestTime(ManualTime.get(s)));
  }

  public Clock clock() {
    return clock;
  }

  /** Moves the clock and fires the timers that fall due. */
  public void timePasses(Duration d) {
    now = now.plus(d);
    manual.timePasses(d);
  }
}
