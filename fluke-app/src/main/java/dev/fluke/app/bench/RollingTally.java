package dev.fluke.app.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The counts of {@code fluke bench --nodes 3 --kill-node}'s rolling restart (phase d), from three
 * records that do not know each other: the applies the simulated agents ran (their apply logs), the
 * apply results the nodes recorded (apply events in the shared event store), and the alerts the
 * alert webhook received. Each bench task drifts once per agent (it is satisfied after its apply
 * and never drifts again), so one (agent, task) is one drift episode and one apply. Pure.
 *
 * @param applies applies the agents ran to the end
 * @param interrupted applies the agents started and did not end
 * @param recorded apply results the nodes recorded
 * @param late of those, results recorded as late (the apply began on an earlier connection)
 * @param lost ended applies whose result no node recorded (one per missing result)
 * @param twice results recorded beyond the applies that ran (one per extra record)
 * @param failed failed or error steps the nodes recorded
 * @param alerts drift alerts received ({@code drift_detected}, {@code drift_remediated})
 * @param duplicateAlerts alerts received again for an (alert kind, agent, task) already alerted
 * @param missingAlerts recorded results with no {@code drift_remediated} alert for their episode
 * @param twiceSeen the episodes recorded twice, by agent name (for the nodes' logs)
 * @param alertedTwice the alerts received more than once, by agent name (for the nodes' logs)
 */
record RollingTally(
    int applies,
    int interrupted,
    int recorded,
    int late,
    int lost,
    int twice,
    int failed,
    int alerts,
    int duplicateAlerts,
    int missingAlerts,
    List<Episode> twiceSeen,
    List<Alert> alertedTwice) {

  /** One drift episode of the bench: an agent and a task. */
  record Episode(String agent, String task) {}

  /** A line of a simulated agent's apply log: {@code start} or {@code end}. */
  record Apply(boolean ended, Episode episode) {}

  /** An apply result a node recorded. */
  record Result(Episode episode, boolean late) {}

  /** An alert the webhook received: {@code kind} is its {@code event} field. */
  record Alert(String kind, Episode episode) {}

  /**
   * A line of a simulator's apply log ({@code start|end <TAB> agent <TAB> check}) as an apply of
   * the task its check names after {@code "# "}; null for other lines (other tasks, a torn line).
   */
  static Apply applyLine(String line) {
    String[] f = line.split("\t", -1);
    if (f.length != 3 || !(f[0].equals("start") || f[0].equals("end"))) {
      return null;
    }
    int mark = f[2].lastIndexOf("# ");
    if (mark < 0) {
      return null;
    }
    return new Apply(f[0].equals("end"), new Episode(f[1], f[2].substring(mark + 2).trim()));
  }

  static RollingTally of(
      Collection<Apply> applyLog,
      Collection<Result> results,
      int failedSteps,
      Collection<Alert> received) {
    Map<Episode, Long> started =
        count(applyLog.stream().filter(a -> !a.ended()).toList(), Apply::episode);
    Map<Episode, Long> ended =
        count(applyLog.stream().filter(Apply::ended).toList(), Apply::episode);
    Map<Episode, Long> recorded = count(results, Result::episode);
    int lost = 0;
    int twice = 0;
    List<Episode> twiceSeen = new ArrayList<>();
    for (Episode e : union(ended.keySet(), recorded.keySet())) {
      long ran = ended.getOrDefault(e, 0L);
      long kept = recorded.getOrDefault(e, 0L);
      lost += (int) Math.max(0, ran - kept);
      twice += (int) Math.max(0, kept - ran);
      if (kept > ran) {
        twiceSeen.add(e);
      }
    }
    twiceSeen.sort(Comparator.comparing(Episode::agent).thenComparing(Episode::task));
    int interrupted = 0;
    for (Map.Entry<Episode, Long> s : started.entrySet()) {
      interrupted += (int) Math.max(0, s.getValue() - ended.getOrDefault(s.getKey(), 0L));
    }
    List<Alert> drift =
        received.stream()
            .filter(a -> a.kind().equals("drift_detected") || a.kind().equals("drift_remediated"))
            .toList();
    Map<Alert, Long> perAlert = count(drift, a -> a);
    int duplicates = perAlert.values().stream().mapToInt(n -> (int) (n - 1)).sum();
    List<Alert> alertedTwice =
        perAlert.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .map(Map.Entry::getKey)
            .sorted(
                Comparator.comparing((Alert a) -> a.episode().agent())
                    .thenComparing(a -> a.episode().task())
                    .thenComparing(Alert::kind))
            .toList();
    Map<Episode, Long> remediated =
        count(
            drift.stream().filter(a -> a.kind().equals("drift_remediated")).toList(),
            Alert::episode);
    int missing = (int) recorded.keySet().stream().filter(e -> !remediated.containsKey(e)).count();
    return new RollingTally(
        (int) ended.values().stream().mapToLong(n -> n).sum(),
        interrupted,
        results.size(),
        (int) results.stream().filter(Result::late).count(),
        lost,
        twice,
        failedSteps,
        drift.size(),
        duplicates,
        missing,
        List.copyOf(twiceSeen),
        alertedTwice);
  }

  /** Whether every figure the issue targets at zero is zero. */
  boolean clean() {
    return lost == 0 && twice == 0 && failed == 0 && duplicateAlerts == 0;
  }

  private static <T, K> Map<K, Long> count(Collection<T> items, Function<T, K> key) {
    return items.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
  }

  private static <K> java.util.Set<K> union(java.util.Set<K> a, java.util.Set<K> b) {
    java.util.Set<K> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
