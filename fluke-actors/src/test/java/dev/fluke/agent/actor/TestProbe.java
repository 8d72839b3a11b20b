package dev.fluke.agent.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in actor that keeps what it is sent, for a test to expect (Pekko's TestProbe's names).
 */
public final class TestProbe<T> {
  /** How long an expected message may take (a loaded machine); tests assert behaviour, not time. */
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

  /** How long "no message" is watched for by default. */
  static final Duration NO_MESSAGE = Duration.ofMillis(100);

  private final BlockingQueue<T> received = new LinkedBlockingQueue<>();
  private final ActorRef<T> ref = received::add;

  public ActorRef<T> getRef() {
    return ref;
  }

  public ActorRef<T> ref() {
    return ref;
  }

  public T receiveMessage() {
    return receiveMessage(DEFAULT_WAIT);
  }

  public T receiveMessage(Duration max) {
    try {
      T m = received.poll(max.toNanos(), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError("no message within " + max.toMillis() + " ms");
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  public T expectMessage(T expected) {
    return expectMessage(DEFAULT_WAIT, expected);
  }

  public T expectMessage(Duration max, T expected) {
    T m = receiveMessage(max);
    assertEquals(expected, m);
    return m;
  }

  public <C extends T> C expectMessageClass(Class<C> type) {
    return expectMessageClass(type, DEFAULT_WAIT);
  }

  public <C extends T> C expectMessageClass(Class<C> type, Duration max) {
    T m = receiveMessage(max);
    if (!type.isInstance(m)) {
      throw new AssertionError("expected a " + type.getName() + ", got " + m);
    }
    return type.cast(m);
  }

  public void expectNoMessage() {
    expectNoMessage(NO_MESSAGE);
  }

  public void expectNoMessage(Duration within) {
    try {
      assertNull(received.poll(within.toNanos(), TimeUnit.NANOSECONDS), "unexpected message");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
