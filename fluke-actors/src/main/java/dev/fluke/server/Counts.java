package dev.fluke.server;

import dev.fluke.api.Dto;

/** Counts status words into {@link Dto.StatusCounts} (anything unknown counts as pending). */
final class Counts {
  private int satisfied;
  private int drifted;
  private int failed;
  private int error;
  private int pending;
  private int applying;

  void add(String status) {
    switch (status) {
      case TaskVerdict.SATISFIED -> satisfied++;
      case TaskVerdict.DRIFTED -> drifted++;
      case TaskVerdict.FAILED -> failed++;
      case TaskVerdict.ERROR -> error++;
      case TaskVerdict.APPLYING -> applying++;
      default -> pending++;
    }
  }

  Dto.StatusCounts toDto() {
    return new Dto.StatusCounts(satisfied, drifted, failed, error, pending, applying);
  }
}
