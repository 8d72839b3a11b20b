package dev.fluke.agent.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The guarantees the agent's actors rely on, each shown with real threads or manual time. */
class ActorsTest {
  private final ManualTime time = new ManualTime();
  private final ActorTestKit manual = ActorTestKit.create(time);
  private final ActorTestKit real = ActorTestKit.create();

  @AfterEach
  void shutdown() {
    manual.shutdownTestKit();
    real.shutdownTestKit();
  }

  // ---- order and exclusion ----

  record Numbered(int sender, int n) {}

  record Count(ActorRef<int[]> replyTo) {}

  /** Counts without synchronisation and fails if two turns overlap or a sender's order breaks. */
  static Behavior<Object> counter(AtomicBoolean overlapped) {
    return Behaviors.setup(
        ctx -> {
          AtomicBoolean inTurn = new AtomicBoolean();
          int[] total = {0};
          int[] last = new int[8];
          java.util.Arrays.fill(last, -1);
          return Behaviors.receive(Object.class)
              .onMessage(
                  Numbered.class,
                  m -> {
                    if (!inTurn.compareAndSet(false, true)) {
                      overlapped.set(true);
                    }
                    if (m.n() != last[m.sender()] + 1) {
                      overlapped.set(true); // out of order counts as broken too
                    }
                    last[m.sender()] = m.n();
                    total[0]++;
                    inTurn.set(false);
                    return Behaviors.same();
                  })
              .onMessage(
                  Count.class,
                  c -> {
                    c.replyTo().tell(new int[] {total[0]});
                    return Behaviors.same();
                  })
              .build();
        });
  }

  @Test
  void messagesFromOneSenderArriveInOrderAndTurnsNeverOverlap() throws Exception {
    AtomicBoolean broken = new AtomicBoolean();
    ActorRef<Object> counter = real.spawn(counter(broken));
    List<Thread> senders = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      int sender = s;
      Thread t =
          new Thread(
              () -> {
                for (int n = 0; n < 20_000; n++) {
                  counter.tell(new Numbered(sender, n));
                }
              });
      senders.add(t);
      t.start();
    }
    for (Thread t : senders) {
      t.join();
    }
    int[] total =
        real.system()
            .<Object, int[]>ask(counter, Count::new, Duration.ofSeconds(10))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertEquals(80_000, total[0]);
    assertFalse(broken.get(), "two turns overlapped, or a sender's messages were reordered");
  }

  // ---- timers ----

  /** Tells the probe each message it is sent; "start:K:M:ms", "repeat:K:M:ms", "cancel:K". */
  static Behavior<String> timed(ActorRef<String> probe, CountDownLatch entered, CountDownLatch go) {
    return Behaviors.withTimers(
        timers ->
            Behaviors.receive(String.class)
                .onAnyMessage(
                    m -> {
                      String[] p = m.split(":");
                      switch (p[0]) {
                        case "start" ->
                            timers.startSingleTimer(
                                p[1], p[2], Duration.ofMillis(Long.parseLong(p[3])));
                        case "repeat" ->
                            timers.startTimerWithFixedDelay(
                                p[1], p[2], Duration.ofMillis(Long.parseLong(p[3])));
                        case "cancel" -> timers.cancel(p[1]);
                        case "hold-then-restart" -> {
                          entered.countDown();
                          await(go);
                          timers.startSingleTimer(
                              p[1], p[2], Duration.ofMillis(Long.parseLong(p[3])));
                        }
                        default -> probe.tell(m);
                      }
                      return Behaviors.same();
                    })
                .build());
  }

  @Test
  void aCancelledOrReplacedTimersMessageIsNeverHandled() throws Exception {
    TestProbe<String> probe = manual.createTestProbe();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    ActorRef<String> actor = manual.spawn(timed(probe.ref(), entered, go));

    actor.tell("start:a:fired-a:1000");
    actor.tell("cancel:a");
    actor.tell("start:b:first-b:1000");
    actor.tell("start:b:second-b:2000"); // replaces the first
    actor.tell("mark"); // every command above is handled once this is seen
    probe.expectMessage("mark");
    time.timePasses(Duration.ofMillis(1000)); // when the replaced one was due: nothing
    probe.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(1000));
    probe.expectMessage("second-b");
    time.timePasses(Duration.ofMillis(3000));
    probe.expectNoMessage(Duration.ofMillis(200));

    // Fired while the actor was busy replacing it: already on its way, still never handled.
    actor.tell("start:c:fired-c:1000");
    actor.tell("hold-then-restart:c:second-c:1000");
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    time.timePasses(Duration.ofMillis(1000)); // the firing is queued behind the busy turn
    go.countDown();
    actor.tell("mark");
    probe.expectMessage("mark");
    probe.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(1000));
    probe.expectMessage("second-c");
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aFixedDelayTimerRepeatsUntilCancelled() {
    TestProbe<String> probe = manual.createTestProbe();
    ActorRef<String> actor =
        manual.spawn(timed(probe.ref(), new CountDownLatch(0), new CountDownLatch(0)));
    actor.tell("repeat:r:tick:100");
    actor.tell("mark");
    probe.expectMessage("mark");
    for (int i = 0; i < 3; i++) {
      time.timePasses(Duration.ofMillis(100));
      probe.expectMessage("tick");
    }
    actor.tell("cancel:r");
    actor.tell("mark");
    probe.expectMessage("mark");
    time.timePasses(Duration.ofMillis(500));
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  // ---- failure, supervision, stopping ----

  /** Counts from its setup; throws on "boom"; reports PreRestart and PostStop. */
  static Behavior<String> fragile(ActorRef<String> probe) {
    return Behaviors.setup(
        ctx -> {
          int[] seen = {0};
          probe.tell("started");
          return Behaviors.receive(String.class)
              .onMessage(
                  String.class,
                  m -> {
                    if (m.equals("boom")) {
                      throw new IllegalStateException("scripted failure");
                    }
                    probe.tell(m + "#" + ++seen[0]);
                    return Behaviors.same();
                  })
              .onSignal(
                  PreRestart.class,
                  s -> {
                    probe.tell("pre-restart");
                    return Behaviors.same();
                  })
              .onSignal(
                  PostStop.class,
                  s -> {
                    probe.tell("post-stop");
                    return Behaviors.same();
                  })
              .build();
        });
  }

  @Test
  void aSupervisedActorRestartsAfterItsBackoffAndHandlesWhatArrivedMeanwhileInOrder() {
    TestProbe<String> probe = manual.createTestProbe();
    ActorRef<String> actor =
        manual.spawn(
            Behaviors.supervise(fragile(probe.ref()))
                .onFailure(
                    SupervisorStrategy.restartWithBackoff(
                        Duration.ofSeconds(1), Duration.ofSeconds(10), 0)));
    probe.expectMessage("started");
    actor.tell("a");
    probe.expectMessage("a#1");
    actor.tell("boom");
    probe.expectMessage("pre-restart");
    actor.tell("b");
    actor.tell("c");
    probe.expectNoMessage(Duration.ofMillis(200)); // kept while the backoff runs
    time.timePasses(Duration.ofMillis(999));
    probe.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(1));
    probe.expectMessage("started"); // its state starts over
    probe.expectMessage("b#1");
    probe.expectMessage("c#2");

    actor.tell("boom"); // the second failure in a row waits twice as long
    probe.expectMessage("pre-restart");
    time.timePasses(Duration.ofMillis(1999));
    probe.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(1));
    probe.expectMessage("started");
  }

  /** Spawns a fragile child, watches it, and tells the probe when it stopped. */
  static Behavior<Object> parent(
      ActorRef<String> probe, CompletableFuture<ActorRef<String>> child) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<String> c = ctx.spawn(fragile(probe), "child");
          ctx.watchWith(c, "child-stopped");
          child.complete(c);
          return Behaviors.receive(Object.class)
              .onMessage(
                  String.class,
                  m -> {
                    probe.tell("parent got " + m);
                    return m.equals("stop") ? Behaviors.stopped() : Behaviors.same();
                  })
              .onSignal(
                  PostStop.class,
                  s -> {
                    probe.tell("parent post-stop");
                    return Behaviors.same();
                  })
              .build();
        });
  }

  @Test
  void anUnsupervisedActorThatFailsStopsAndItsParentHearsOfIt() throws Exception {
    TestProbe<String> probe = real.createTestProbe();
    CompletableFuture<ActorRef<String>> child = new CompletableFuture<>();
    real.spawn(parent(probe.ref(), child));
    probe.expectMessage("started");
    child.get(10, TimeUnit.SECONDS).tell("boom");
    probe.expectMessage("post-stop");
    probe.expectMessage("parent got child-stopped");
    child.get().tell("after"); // dropped: it has stopped
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void whoWaitsForATopLevelActorHearsWhenItStopsOnItsOwn() throws Exception {
    TestProbe<String> probe = real.createTestProbe();
    ActorRef<String> actor = real.spawn(fragile(probe.ref()));
    probe.expectMessage("started");
    CompletableFuture<Void> stopped = real.system().whenStopped(actor).toCompletableFuture();
    assertFalse(stopped.isDone());
    actor.tell("boom");
    stopped.get(10, TimeUnit.SECONDS);
    probe.expectMessage("post-stop");
    assertTrue(real.system().whenStopped(actor).toCompletableFuture().isDone()); // and later too
  }

  @Test
  void aStoppingActorStopsItsChildrenFirstAndHearsNoWatchMessageForThem() throws Exception {
    TestProbe<String> probe = real.createTestProbe();
    CompletableFuture<ActorRef<String>> child = new CompletableFuture<>();
    ActorRef<Object> parent = real.spawn(parent(probe.ref(), child));
    probe.expectMessage("started");
    parent.tell("stop");
    probe.expectMessage("parent got stop");
    probe.expectMessage("post-stop"); // the child's
    probe.expectMessage("parent post-stop");
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void terminateCompletesOnceEveryActorHasStopped() throws Exception {
    TestProbe<String> probe = real.createTestProbe();
    real.spawn(parent(probe.ref(), new CompletableFuture<>()));
    probe.expectMessage("started");
    real.system().terminate().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("post-stop", probe.receiveMessage(Duration.ZERO));
    assertEquals("parent post-stop", probe.receiveMessage(Duration.ZERO));
  }

  // ---- ask, pipeToSelf, stash ----

  @Test
  void askCompletesWithTheReplyOrFailsAfterItsTimeoutOrAtOnceForAStoppedActor() throws Exception {
    @SuppressWarnings("unchecked")
    Class<ActorRef<String>> replyTos = (Class<ActorRef<String>>) (Class<?>) ActorRef.class;
    ActorRef<ActorRef<String>> echo =
        manual.spawn(
            Behaviors.receive(replyTos)
                .onAnyMessage(
                    r -> {
                      r.tell("pong");
                      return Behaviors.same();
                    })
                .build());
    assertEquals(
        "pong",
        manual
            .system()
            .<ActorRef<String>, String>ask(echo, r -> r, Duration.ofSeconds(5))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS));

    ActorRef<ActorRef<String>> silent = manual.spawn(Behaviors.empty());
    CompletableFuture<String> noReply =
        manual
            .system()
            .<ActorRef<String>, String>ask(silent, r -> r, Duration.ofSeconds(5))
            .toCompletableFuture();
    time.timePasses(Duration.ofSeconds(5));
    ExecutionException timedOut =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> noReply.get(10, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, timedOut.getCause());

    manual.stop(silent);
    CompletableFuture<String> stopped =
        manual
            .system()
            .<ActorRef<String>, String>ask(silent, r -> r, Duration.ofHours(1))
            .toCompletableFuture();
    assertTrue(stopped.isCompletedExceptionally());
  }

  @Test
  void aCompletedStageComesBackAsAMessageOnTheActorsTurn() {
    TestProbe<String> probe = real.createTestProbe();
    CompletableFuture<Integer> value = new CompletableFuture<>();
    CompletableFuture<Integer> failure = new CompletableFuture<>();
    real.spawn(
        Behaviors.<String>setup(
            ctx -> {
              ctx.pipeToSelf(value, (v, f) -> "value " + v);
              ctx.pipeToSelf(failure, (v, f) -> "failure " + f.getMessage());
              return Behaviors.receive(String.class)
                  .onAnyMessage(
                      m -> {
                        probe.ref().tell(m);
                        return Behaviors.same();
                      })
                  .build();
            }));
    value.complete(42);
    probe.expectMessage("value 42");
    failure.completeExceptionally(new IllegalStateException("no"));
    probe.expectMessage("failure no");
  }

  @Test
  void unstashedMessagesComeBeforeAnyNewerOne() {
    TestProbe<String> probe = real.createTestProbe();
    ActorRef<String> actor =
        real.spawn(
            Behaviors.<String>withStash(
                10,
                stash ->
                    Behaviors.receive(String.class)
                        .onAnyMessage(
                            m -> {
                              if (!m.equals("open")) {
                                stash.stash(m);
                                return Behaviors.same();
                              }
                              return stash.unstashAll(
                                  Behaviors.receive(String.class)
                                      .onAnyMessage(
                                          later -> {
                                            probe.ref().tell(later);
                                            return Behaviors.same();
                                          })
                                      .build());
                            })
                        .build()));
    actor.tell("1");
    actor.tell("2");
    actor.tell("open");
    actor.tell("3");
    probe.expectMessage("1");
    probe.expectMessage("2");
    probe.expectMessage("3");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
