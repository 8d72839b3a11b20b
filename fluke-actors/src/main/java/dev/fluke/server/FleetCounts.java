package dev.fluke.server;

import dev.fluke.api.Dto;

/**
 * The fleet's agent/task pairs by status, as running totals of the counts each connected agent's
 * session pushes with its summary: a change costs a subtraction and an addition, never a scan of
 * the fleet. Owned by the {@link AgentRegistry} (used on its thread only).
 */
final class FleetCounts {
  private int satisfied;
  private int drifted;
  private int failed;
  private int error;
  private int pending;
  private int applying;

  /** One agent's counts went from {@code before} to {@code after}; true when the totals changed. */
  boolean replace(Dto.StatusCounts before, Dto.StatusCounts after) {
    if (before.equals(after)) {
      return false;
    }
    satisfied += after.satisfied() - before.satisfied();
    drifted += after.drifted() - before.drifted();
    failed += after.failed() - before.failed();
    error += after.error() - before.error();
    pending += after.pending() - before.pending();
    applying += after.applying() - before.applying();
    return true;
  }

  Dto.StatusCounts totals() {
    return new Dto.StatusCounts(satisfied, drifted, failed, error, pending, applying);
  }
}
