package dev.fluke.exec;

import dev.fluke.schema.Attr;
import dev.fluke.schema.AttrType;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.util.List;
import java.util.Map;

/**
 * The schemas of the built-in executor blocks (SPEC §2). The executors return these from {@link
 * Executor#schema()}; the manifest parser validates every block against them. {@code on_failure}
 * ({@code abort} | {@code continue}, default {@code abort}) is accepted by every executor block.
 */
public final class BuiltinSchemas {
  private BuiltinSchemas() {}

  public static final Attr ON_FAILURE =
      Attr.oneOf(
          "on_failure",
          "abort",
          List.of("abort", "continue"),
          "abort stops the rest of the task when this block fails; continue goes on with the next block");

  public static final Schema GIT =
      Schema.of(
          Attr.required("url", AttrType.STRING, "repository to clone into working_dir"),
          Attr.optional("branch", AttrType.STRING, "main", "branch to check out and fast-forward"));

  public static final Schema MISE =
      Schema.of(
              Attr.required("working_dir", AttrType.STRING, "directory holding .mise.toml"),
              Attr.optional("check_task", AttrType.STRING, "check", "mise task run as the check"),
              Attr.optional("apply_task", AttrType.STRING, "apply", "mise task run as the apply"),
              ON_FAILURE)
          .withBlocks(BlockSchema.optional("git", GIT));

  public static final Schema SYSTEMD =
      Schema.of(
          Attr.required("unit", AttrType.STRING, "unit name, e.g. app.service"),
          Attr.oneOf("state", "running", List.of("running", "stopped"), "desired active state"),
          Attr.optional("enabled", AttrType.BOOL, Boolean.TRUE, "desired enablement"),
          ON_FAILURE);

  public static final Schema SHELL =
      Schema.of(
          Attr.required("check", AttrType.STRING, "read-only command: exit 0 = satisfied"),
          Attr.required("command", AttrType.STRING, "the apply command"),
          Attr.optional("working_dir", AttrType.STRING, null, "directory to run in"),
          Attr.optional("run_as", AttrType.STRING, null, "user to run as, via sudo -u"),
          Attr.optional("env", AttrType.STRING_MAP, Map.of(), "extra environment variables"),
          ON_FAILURE);

  /** Block type → schema, in the order the types are documented. */
  public static final Map<String, Schema> ALL = all();

  private static Map<String, Schema> all() {
    Map<String, Schema> m = new java.util.LinkedHashMap<>();
    m.put("mise", MISE);
    m.put("systemd", SYSTEMD);
    m.put("shell", SHELL);
    return java.util.Collections.unmodifiableMap(m);
  }
}
