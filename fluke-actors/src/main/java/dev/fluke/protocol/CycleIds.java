package dev.fluke.protocol;

/**
 * The two spaces of cycle ids on an agent's stream. Reconcile cycles have positive ids; the checks
 * of a plan ({@code fluke plan}, docs/architecture.md "Plan") have negative ones. An agent runs a
 * CheckRequest of a plan as a dry run (an executor whose check changes something first, such as
 * mise's {@code git} sync, reports what it would change instead); the server routes its CheckReport
 * to the plan that asked, never to a reconcile cycle.
 */
public final class CycleIds {
  private CycleIds() {}

  /** True for the id of a plan's check. */
  public static boolean isPlan(long cycleId) {
    return cycleId < 0;
  }
}
