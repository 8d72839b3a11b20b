package dev.fluke.exec;

import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.OnFailure;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds executor specs the way the manifest parser hands them over. */
final class Specs {
  private Specs() {}

  static ExecutorSpec spec(String type, Object... keyValues) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      attrs.put((String) keyValues[i], keyValues[i + 1]);
    }
    return new ExecutorSpec(type, "test", attrs, OnFailure.ABORT, SourcePos.UNKNOWN);
  }
}
