package dev.fluke.app.cli;

import dev.fluke.api.Suspension;
import dev.fluke.api.TargetKind;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.ApiClientException;
import java.io.PrintWriter;
import java.util.List;

/**
 * The suspensions in force as the table commands show them: a banner above a table, a badge in a
 * row, a field in {@code describe}. A server that does not know suspensions (older) shows none.
 */
final class Suspended {
  private final List<Suspension> all;

  private Suspended(List<Suspension> all) {
    this.all = all;
  }

  static Suspended fetch(ApiClient client) {
    try {
      return new Suspended(client.suspensions().value());
    } catch (ApiClientException e) {
      if (e.status() == 404 || e.status() == 405 || e.status() == 500) {
        return new Suspended(List.of());
      }
      throw e;
    }
  }

  /** The suspension of a scope, or null. */
  Suspension of(TargetKind scope, String name) {
    for (Suspension s : all) {
      if (s.scope() == scope && (scope == TargetKind.ALL || s.name().equals(name))) {
        return s;
      }
    }
    return null;
  }

  /** What holds back an agent (the fleet's suspension, or its own), or null. */
  Suspension ofAgent(String agent) {
    Suspension fleet = of(TargetKind.ALL, null);
    return fleet != null ? fleet : of(TargetKind.AGENT, agent);
  }

  /** What holds back a task everywhere (the fleet's suspension, or its own), or null. */
  Suspension ofTask(String task) {
    Suspension fleet = of(TargetKind.ALL, null);
    return fleet != null ? fleet : of(TargetKind.TASK, task);
  }

  /** A line above tables when the whole fleet is suspended. */
  void banner(PrintWriter out) {
    Suspension fleet = of(TargetKind.ALL, null);
    if (fleet != null) {
      out.println("SUSPENDED: " + fleet.describe() + " (fluke resume all)");
      out.println();
    }
  }

  List<Suspension> all() {
    return all;
  }
}
