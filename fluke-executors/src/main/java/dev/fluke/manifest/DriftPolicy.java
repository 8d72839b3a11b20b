package dev.fluke.manifest;

import java.util.Arrays;
import java.util.Optional;

/** What the server does when a task is found drifted (SPEC §1). */
public enum DriftPolicy {
  /** Apply silently. */
  REMEDIATE("remediate"),
  /** Apply, then send {@code drift_remediated}. */
  REMEDIATE_AND_ALERT("remediate_and_alert"),
  /** Send {@code drift_detected}; apply only on a manual reconcile. */
  ALERT_ONLY("alert_only");

  private final String hclName;

  DriftPolicy(String hclName) {
    this.hclName = hclName;
  }

  /** The spelling used in HCL, the API and alerts. */
  public String hclName() {
    return hclName;
  }

  public boolean alerts() {
    return this != REMEDIATE;
  }

  public boolean appliesAutomatically() {
    return this != ALERT_ONLY;
  }

  public static Optional<DriftPolicy> parse(String s) {
    return Arrays.stream(values()).filter(p -> p.hclName.equals(s)).findFirst();
  }

  @Override
  public String toString() {
    return hclName;
  }
}
