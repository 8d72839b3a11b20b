package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge of the nodes' suspension books: per scope the newest change wins. */
class SuspensionBookTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  private static Suspension task(String name, String by, int minute) {
    return new Suspension(TargetKind.TASK, name, by, "why", T0.plusSeconds(60L * minute), null);
  }

  private static SuspensionBook book(List<Suspension> held, SuspensionBook.Lift... lifts) {
    return new SuspensionBook(held, List.of(lifts), true);
  }

  private static SuspensionBook.Lift lift(String key, int minute) {
    return new SuspensionBook.Lift(key, T0.plusSeconds(60L * minute));
  }

  @Test
  void aSuspensionOneNodeDoesNotHoldIsAdoptedWithItsExpiryWhoAndWhy() {
    Suspension s =
        new Suspension(TargetKind.AGENT, "web-1", "alice", "disk swap", T0, T0.plusSeconds(3600));
    SuspensionBook merged =
        SuspensionBook.merge(List.of(book(List.of()), book(List.of(s)), book(List.of())));
    assertEquals(List.of(s), merged.suspensions());
    assertEquals(List.of(), merged.lifts());
  }

  @Test
  void theNewerOfTwoSuspensionsOfOneScopeWinsWhicheverNodeHoldsIt() {
    Suspension older = task("app", "alice", 1);
    Suspension newer = task("app", "bob", 2);
    assertEquals(
        List.of(newer),
        SuspensionBook.merge(List.of(book(List.of(older)), book(List.of(newer)))).suspensions());
    assertEquals(
        List.of(newer),
        SuspensionBook.merge(List.of(book(List.of(newer)), book(List.of(older)))).suspensions());
  }

  @Test
  void twoSuspensionsMadeAtTheSameInstantResolveTheSameWayOnEveryNode() {
    Suspension a = task("app", "alice", 1);
    Suspension b = task("app", "bob", 1);
    assertEquals(
        SuspensionBook.merge(List.of(book(List.of(a)), book(List.of(b)))).suspensions(),
        SuspensionBook.merge(List.of(book(List.of(b)), book(List.of(a)))).suspensions());
  }

  @Test
  void aResumeAnotherNodeSawRemovesTheOlderSuspensionAStoreStillHeld() {
    Suspension stale = task("app", "alice", 1);
    SuspensionBook merged =
        SuspensionBook.merge(List.of(book(List.of(stale)), book(List.of(), lift(stale.key(), 5))));
    assertEquals(List.of(), merged.suspensions());
    assertEquals(List.of(lift("task:app", 5)), merged.lifts(), "the lift is passed on");
  }

  @Test
  void aSuspensionMadeAfterAResumeOfItsScopeStays() {
    Suspension again = task("app", "carol", 9);
    SuspensionBook merged =
        SuspensionBook.merge(List.of(book(List.of(again)), book(List.of(), lift("task:app", 5))));
    assertEquals(List.of(again), merged.suspensions());
    assertEquals(List.of(), merged.lifts(), "a superseded lift is dropped");
  }

  @Test
  void aResumeAtTheInstantOfTheSuspensionLiftsIt() {
    Suspension s = task("app", "alice", 3);
    assertEquals(
        List.of(),
        SuspensionBook.merge(List.of(book(List.of(s), lift("task:app", 3)))).suspensions());
  }

  @Test
  void theLiftsKeptAreTheNewestAndBounded() {
    List<SuspensionBook.Lift> many = new ArrayList<>();
    for (int i = 0; i < SuspensionBook.MAX_LIFTS + 10; i++) {
      many.add(lift("task:t" + i, i));
    }
    SuspensionBook merged =
        SuspensionBook.merge(List.of(new SuspensionBook(List.of(), many, true)));
    assertEquals(SuspensionBook.MAX_LIFTS, merged.lifts().size());
    assertEquals(
        lift("task:t" + (SuspensionBook.MAX_LIFTS + 9), SuspensionBook.MAX_LIFTS + 9),
        merged.lifts().get(0));
    assertTrue(merged.lifts().stream().noneMatch(l -> l.key().equals("task:t0")));
  }
}
