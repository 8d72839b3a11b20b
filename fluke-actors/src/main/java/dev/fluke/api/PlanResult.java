package dev.fluke.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.fluke.manifest.ManifestError;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What merging a ref would do ({@code fluke plan --ref}, {@code POST /api/v1/plan}): the ref's
 * manifests compared with the state in force, and the checks of its new and changed tasks run
 * (never applied) on the connected agents they would match.
 *
 * @param ref the ref asked for
 * @param commit the commit the ref named, or null when it could not be read
 * @param inForce the commit in force when the plan ran, or null when none is
 * @param verdict the plan in one word (and the CLI's exit code)
 * @param error why the ref could not be planned (not found, Git failed, manifests with errors), or
 *     null
 * @param errors the manifest errors of the ref ({@code file:line:column}), empty when it loads
 * @param tasks every task of the ref and every task in force that the ref removes, in the ref's
 *     declaration order, removed ones last
 * @param agents the agents whose set of tasks would change, sorted by name
 */
public record PlanResult(
    String ref,
    String commit,
    String inForce,
    Verdict verdict,
    String error,
    List<ManifestError> errors,
    List<PlanTask> tasks,
    List<AgentChange> agents,
    Instant startedAt,
    Instant finishedAt) {

  /** How long a plan waits for the agents' checks when not told. */
  public static final java.time.Duration DEFAULT_TIMEOUT = java.time.Duration.ofMinutes(1);

  /** The longest a plan may wait for the agents' checks. */
  public static final java.time.Duration MAX_TIMEOUT = java.time.Duration.ofMinutes(10);

  public PlanResult {
    errors = errors == null ? List.of() : List.copyOf(errors);
    tasks = tasks == null ? List.of() : List.copyOf(tasks);
    agents = agents == null ? List.of() : List.copyOf(agents);
  }

  /** A ref that could not be planned: nothing was checked. */
  public static PlanResult failed(
      String ref,
      String commit,
      String inForce,
      String error,
      List<ManifestError> errors,
      Instant startedAt,
      Instant finishedAt) {
    return new PlanResult(
        ref,
        commit,
        inForce,
        Verdict.ERRORS,
        error,
        errors,
        List.of(),
        List.of(),
        startedAt,
        finishedAt);
  }

  /**
   * One task of the plan.
   *
   * @param change how the ref changes the task
   * @param agents for a new or changed task, one entry per agent it would match (connected or
   *     recently seen), sorted by name; empty for an unchanged task (nothing to check: its statuses
   *     are those in force) and for a removed one (the agents that lose it are in {@link
   *     PlanResult#agents()}; nothing is undone on a host when a task leaves the manifests)
   */
  public record PlanTask(String name, Change change, List<AgentCheck> agents) {
    public PlanTask {
      agents = List.copyOf(agents);
    }
  }

  /**
   * What a task's checks found on one agent.
   *
   * @param message why (the first drifted or failing check), "" when there is nothing to say
   */
  public record AgentCheck(String agent, CheckResult result, String message) {}

  /** An agent whose set of reconciled tasks the ref changes. */
  public record AgentChange(
      String agent, boolean connected, List<String> gains, List<String> loses) {
    public AgentChange {
      gains = List.copyOf(gains);
      loses = List.copyOf(loses);
    }
  }

  /** How the ref changes one task. */
  public enum Change {
    NEW,
    CHANGED,
    REMOVED,
    UNCHANGED;

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Change fromJson(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT));
    }
  }

  /** A task's plan check on one agent. */
  public enum CheckResult {
    /** The check found drift: merging would apply the task there. */
    WOULD_APPLY,
    /** The check is satisfied: merging changes nothing there. */
    NO_CHANGE,
    /** The check could not run (an execution error). */
    ERROR,
    /** The agent is not connected: nothing is known. */
    NOT_CONNECTED,
    /** The agent did not answer within the plan's timeout (it may be busy with a long apply). */
    TIMED_OUT;

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** For people: {@code would apply}. */
    public String words() {
      return word().replace('_', ' ');
    }

    @JsonCreator
    static CheckResult fromJson(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT));
    }
  }

  /** The plan in one word; {@link #exitCode()} is what {@code fluke plan} exits with. */
  public enum Verdict {
    /** Nothing would change: no task would apply and no agent gains or loses a task. */
    NO_CHANGE(0),
    /** A task would apply somewhere, or an agent gains or loses a task. */
    CHANGES(2),
    /** The ref does not load, or a check failed or got no answer. */
    ERRORS(1);

    private final int exitCode;

    Verdict(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Verdict fromJson(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT));
    }
  }
}
