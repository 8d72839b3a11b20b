package dev.fluke.agent;

import dev.fluke.exec.Phase;
import dev.fluke.exec.ProcessTree;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.TaskSpec;
import dev.fluke.protocol.AgentMessage.ApplyResult;
import dev.fluke.protocol.AgentMessage.ExecutorOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent must not forget when its process dies (SPEC §4: never two applies at once on one
 * host, even across a crash and restart; docs/protocol.md, "Stopping and restarting"): the apply
 * that runs now — its cycle, task, the blocks it finished and the process it runs (pid, start time,
 * process group) — and every apply result the server has not acknowledged.
 *
 * <p>Kept in memory and, when a file is given ({@code fluke.agent.journal-file}, the fluke binary
 * uses {@code <state_dir>/agent-journal.json}), rewritten on every change: written next to the file
 * and renamed over it, so the file is always one whole state. It is not synced to disk: it must
 * survive the agent process dying (kill -9), not the host losing power, which ends the processes it
 * records as well.
 *
 * <p>Thread-safe: the worker's thread records the running apply (also from the process-started
 * hook), {@link ResultDelivery} forgets acknowledged results. Calls block on file I/O: actors make
 * them on the agent's blocking threads ({@code fluke.agent.threads.blocking}).
 */
final class AgentJournal {
  private static final Logger log = LoggerFactory.getLogger(AgentJournal.class);

  /** One executor block of the running apply's task. */
  record Block(String name, String type) {}

  /**
   * The process an apply runs now. The apply step's command leads its own process group (its
   * process group id is its pid); a verify step's (a check) stays in the agent's. Either carries
   * its run's {@code FLUKE_RUN_ID}, which its descendants inherit.
   *
   * @param block the index of the block it runs for
   * @param process its pid and start time (which tells a reused pid from this process)
   */
  record RunningProcess(int block, Phase phase, ProcessTree.Identity process) {}

  /**
   * The apply that runs now.
   *
   * @param done the outcomes of the blocks that finished, in order
   * @param process the last process started for it, or null before the first one
   */
  record RunningApply(
      long cycleId,
      String task,
      List<Block> blocks,
      Instant startedAt,
      List<ExecutorOutcome> done,
      RunningProcess process) {
    RunningApply {
      blocks = List.copyOf(blocks);
      done = List.copyOf(done);
    }

    RunningApply withDone(ExecutorOutcome outcome) {
      List<ExecutorOutcome> more = new ArrayList<>(done);
      more.add(outcome);
      return new RunningApply(cycleId, task, blocks, startedAt, more, process);
    }

    RunningApply withProcess(RunningProcess p) {
      return new RunningApply(cycleId, task, blocks, startedAt, done, p);
    }
  }

  /** An apply result kept until the server acknowledges it; {@code seq} grows with every one. */
  record KeptResult(long seq, ApplyResult result) {}

  /**
   * Everything the journal holds.
   *
   * @param running the apply that runs now, or null
   * @param results unacknowledged results, in the order the applies finished
   * @param nextSeq the number the next kept result gets
   */
  record State(RunningApply running, List<KeptResult> results, long nextSeq) {
    State {
      results = List.copyOf(results);
    }

    static final State EMPTY = new State(null, List.of(), 1);
  }

  private final Path file;
  private State state;
  private boolean writeFailing;

  private AgentJournal(Path file, State state) {
    this.file = file;
    this.state = state;
  }

  /** A journal that forgets everything with the process. */
  static AgentJournal inMemory() {
    return new AgentJournal(null, State.EMPTY);
  }

  /**
   * Reads the journal in {@code file} (an empty one when there is none) and checks that it can be
   * written. A file that cannot be read is moved aside (logged) and the journal starts empty.
   *
   * @throws IllegalStateException when the file cannot be written
   */
  static AgentJournal open(Path file) {
    State loaded = State.EMPTY;
    if (Files.exists(file)) {
      try {
        loaded = JournalJson.read(Files.readAllBytes(file));
      } catch (IOException | RuntimeException e) {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.nanoTime());
        log.error(
            "The agent journal {} cannot be read ({}); moved it to {} and starting with an empty one",
            file,
            e.toString(),
            aside);
        try {
          Files.move(file, aside);
        } catch (IOException moveFailed) {
          throw new IllegalStateException(
              "cannot move the unreadable agent journal " + file + " aside: " + moveFailed,
              moveFailed);
        }
      }
    }
    AgentJournal journal = new AgentJournal(file, loaded);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      journal.writeOrThrow(loaded);
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalStateException(
          "cannot write the agent journal "
              + file
              + " ("
              + e.getMessage()
              + "): the agent keeps its running apply and unacknowledged results there;"
              + " make state_dir writable for the agent",
          e);
    }
    return journal;
  }

  Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  synchronized State state() {
    return state;
  }

  /** An apply of {@code task} starts (it becomes the running apply). */
  synchronized void applyStarted(long cycleId, TaskSpec task, Instant at) {
    List<Block> blocks = new ArrayList<>();
    for (ExecutorSpec b : task.executors()) {
      blocks.add(new Block(b.name(), b.type()));
    }
    change(
        new State(
            new RunningApply(cycleId, task.name(), blocks, at, List.of(), null),
            state.results(),
            state.nextSeq()));
  }

  /** A block of the running apply finished. */
  synchronized void blockDone(ExecutorOutcome outcome) {
    if (state.running() != null) {
      change(new State(state.running().withDone(outcome), state.results(), state.nextSeq()));
    }
  }

  /** The running apply started a process (from {@link dev.fluke.exec.ExecContext}'s hook). */
  synchronized void processStarted(RunningProcess process) {
    if (state.running() != null) {
      change(new State(state.running().withProcess(process), state.results(), state.nextSeq()));
    }
  }

  /**
   * The running apply ended with {@code result} (or, after a restart, the predecessor's apply was
   * dealt with): in one change it is no longer running and its result is kept until acknowledged.
   */
  synchronized KeptResult finish(ApplyResult result) {
    KeptResult kept = new KeptResult(state.nextSeq(), result);
    List<KeptResult> results = new ArrayList<>(state.results());
    results.add(kept);
    change(new State(null, results, state.nextSeq() + 1));
    return kept;
  }

  /** Keeps a result of an apply that never ran (answered with an error) until acknowledged. */
  synchronized KeptResult keep(ApplyResult result) {
    KeptResult kept = new KeptResult(state.nextSeq(), result);
    List<KeptResult> results = new ArrayList<>(state.results());
    results.add(kept);
    change(new State(state.running(), results, state.nextSeq() + 1));
    return kept;
  }

  /** The server acknowledged the result (or it was dropped to keep the bound): forget it. */
  synchronized void forget(long seq) {
    if (state.results().stream().anyMatch(k -> k.seq() == seq)) {
      change(
          new State(
              state.running(),
              state.results().stream().filter(k -> k.seq() != seq).toList(),
              state.nextSeq()));
    }
  }

  private void change(State next) {
    state = next;
    if (file == null) {
      return;
    }
    try {
      writeOrThrow(next);
      if (writeFailing) {
        writeFailing = false;
        log.info("The agent journal {} is written again", file);
      }
    } catch (IOException | UncheckedIOException e) {
      if (!writeFailing) {
        writeFailing = true;
        log.error(
            "Cannot write the agent journal {} ({}): what it should hold is kept in memory only"
                + " until a write succeeds",
            file,
            e.toString());
      }
    }
  }

  private void writeOrThrow(State s) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JournalJson.write(s));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
