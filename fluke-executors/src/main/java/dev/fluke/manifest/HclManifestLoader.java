package dev.fluke.manifest;

import dev.fluke.exec.BuiltinSchemas;
import dev.fluke.hcl.Body;
import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.hcl.Decoded;
import dev.fluke.hcl.Diagnostics;
import dev.fluke.hcl.Durations;
import dev.fluke.hcl.Evaluator;
import dev.fluke.hcl.HclFunctions;
import dev.fluke.hcl.HclParser;
import dev.fluke.hcl.Limits;
import dev.fluke.hcl.Names;
import dev.fluke.hcl.SchemaDecoder;
import dev.fluke.hcl.SourcePos;
import dev.fluke.schema.Attr;
import dev.fluke.schema.AttrType;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The manifest loader (SPEC §2): reads every file under a root matching a glob, in path order,
 * parses them with the strict HCL reader ({@link HclParser}), and checks the whole set: top level
 * {@code locals} and {@code task "NAME"} blocks only, locals shared by all files, task names unique
 * across files, each task's {@code description}, {@code drift}, exactly one {@code selector}, and
 * at least one executor block validated against its executor's schema, in declaration order across
 * types. Any error rejects the whole set; all errors are reported, sorted by file (path order),
 * line and column.
 *
 * <p>Every input ends as a set of tasks or as errors with {@code file:line:column}, never as an
 * exception: the reader is bounded by {@link Limits} (file and set size, nesting, value size,
 * evaluation work, number of errors), and should anything unexpected still be thrown while loading
 * (a bug), it becomes one error naming where the loader was and what was thrown.
 *
 * <p>Construct with the executor schemas ({@code new HclManifestLoader(BuiltinSchemas.ALL)} or
 * {@link #builtin()}). Instances are immutable and thread-safe.
 */
public final class HclManifestLoader implements ManifestLoader {
  /** {@code drift { policy = … }}: the task's own drift policy. */
  public static final Schema DRIFT =
      Schema.of(
          new Attr(
              "policy",
              AttrType.STRING,
              false,
              null,
              List.of("remediate", "remediate_and_alert", "alert_only"),
              "what to do when the task is found drifted (default: the server's)"),
          Attr.optional(
              "max_remediations",
              AttrType.NUMBER,
              null,
              "flap guard: remediations on one agent within period before it stops (default 5)"),
          Attr.optional(
              "period", AttrType.DURATION, null, "flap guard: the period counted (default 1h)"));

  /** {@code rollout { canary batch max_failures pause }}: the staged rollout of a new commit. */
  public static final Schema ROLLOUT =
      Schema.of(
          Attr.optional("canary", AttrType.NUMBER, 1L, "agents updated first (default 1)"),
          Attr.optional(
              "batch",
              AttrType.STRING,
              "25%",
              "agents per batch after the canaries: \"20%\" of the matched agents or a count"
                  + " \"5\" (default 25%)"),
          Attr.optional(
              "max_failures",
              AttrType.NUMBER,
              0L,
              "failed agents tolerated; one more halts the rollout (default 0)"),
          Attr.optional(
              "pause", AttrType.DURATION, "0s", "wait after a stage before the next (default 0s)"));

  /** {@code selector { match_labels = {…} }}; an empty map matches every host. */
  public static final Schema SELECTOR =
      Schema.of(
          Attr.required(
              "match_labels",
              AttrType.STRING_MAP,
              "labels a host must all have; {} matches every host"));

  /**
   * {@code window { allow = […] deny = […] timezone = "…" }}: when the server may apply the task on
   * its own ({@link Window}).
   */
  public static final Schema WINDOW =
      Schema.of(
          Attr.optional(
              "allow",
              AttrType.STRING_LIST,
              null,
              "entries the window is open in: " + Window.EXPECTED),
          Attr.optional("deny", AttrType.STRING_LIST, null, "entries the window is closed in"),
          Attr.optional(
              "timezone", AttrType.STRING, "UTC", "IANA time zone of the entries' times"));

  /** The parts of a task body other than its executor blocks. */
  public static final Schema TASK =
      new Schema(
          List.of(
              Attr.optional("description", AttrType.STRING, null, "shown in the UI and CLI"),
              Attr.optional(
                  "depends_on",
                  AttrType.STRING_LIST,
                  null,
                  "tasks that must be satisfied on an agent before this one is applied there")),
          List.of(
              BlockSchema.optional("drift", DRIFT),
              BlockSchema.optional("rollout", ROLLOUT),
              new BlockSchema("selector", 0, true, false, SELECTOR),
              BlockSchema.optional("window", WINDOW)));

  /** Names of tasks and executors: they appear in URLs, CLI arguments and events. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

  private static final String ENV_IN_MANIFEST =
      "manifests come from Git and must not depend on the server's environment"
          + " (env() works in server.hcl and agent.hcl only)";

  /** The start of the message of an error that stands for an unexpected exception. */
  public static final String INTERNAL_ERROR = "internal error while loading the manifests";

  private final Map<String, Schema> executorSchemas;
  private final List<String> executorTypes;
  private final Limits limits;

  /**
   * @param executorSchemas block type → schema, e.g. {@link BuiltinSchemas#ALL}
   */
  public HclManifestLoader(Map<String, Schema> executorSchemas) {
    this(executorSchemas, Limits.DEFAULT);
  }

  public HclManifestLoader(Map<String, Schema> executorSchemas, Limits limits) {
    this.executorSchemas = Collections.unmodifiableMap(new TreeMap<>(executorSchemas));
    this.executorTypes = List.copyOf(this.executorSchemas.keySet());
    this.limits = limits;
  }

  /** Where the loader is, for the error that stands for an unexpected exception. */
  private static final class Progress {
    SourcePos at;

    Progress(SourcePos at) {
      this.at = at;
    }
  }

  /** A loader for the built-in executors (mise, shell, systemd). */
  public static HclManifestLoader builtin() {
    return new HclManifestLoader(BuiltinSchemas.ALL);
  }

  @Override
  public ManifestSet load(Path root, String glob) {
    Progress progress = new Progress(new SourcePos(String.valueOf(root), 0, 0));
    try {
      return loadFiles(root, glob, progress);
    } catch (Throwable unexpected) {
      return internalError(progress, unexpected, List.of());
    }
  }

  private ManifestSet internalError(Progress progress, Throwable unexpected, List<String> files) {
    return new ManifestSet(
        List.of(),
        List.of(
            new ManifestError(
                progress.at,
                INTERNAL_ERROR
                    + " (this set is rejected; please report it): "
                    + unexpected.getClass().getName()
                    + (unexpected.getMessage() == null ? "" : ": " + unexpected.getMessage()))),
        files);
  }

  private ManifestSet loadFiles(Path root, String glob, Progress progress) {
    SourcePos rootPos = new SourcePos(root.toString(), 0, 0);
    List<String> files;
    try {
      files = find(root, glob);
    } catch (PatternSyntaxException e) {
      return failed(rootPos, "bad manifest glob \"" + glob + "\": " + e.getDescription());
    } catch (IOException e) {
      return failed(rootPos, "cannot read the manifest directory: " + e);
    }
    if (files.isEmpty()) {
      return failed(
          rootPos, "no manifest files: nothing under " + root + " matches \"" + glob + "\"");
    }
    SortedMap<String, String> contents = new TreeMap<>();
    Diagnostics readErrors = new Diagnostics(limits.maxErrors());
    long total = 0;
    for (String f : files) {
      progress.at = new SourcePos(f, 1, 1);
      try {
        long size = Files.size(root.resolve(f));
        if (size > limits.maxFileBytes()) {
          readErrors.error(
              new SourcePos(f, 1, 1),
              String.format(
                  "the file is too large: %,d bytes; a manifest file may have at most %,d",
                  size, limits.maxFileBytes()));
          continue;
        }
        total += size;
        if (total > limits.maxSetBytes()) {
          readErrors.error(
              new SourcePos(f, 1, 1),
              String.format(
                  "the manifest set is too large: more than %,d bytes with this file (files are"
                      + " read in path order)",
                  limits.maxSetBytes()));
          break;
        }
        byte[] bytes = Files.readAllBytes(root.resolve(f));
        contents.put(
            f, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
      } catch (CharacterCodingException e) {
        readErrors.error(new SourcePos(f, 1, 1), "the file is not valid UTF-8");
      } catch (IOException e) {
        readErrors.error(new SourcePos(f, 0, 0), "cannot read the file: " + e);
      }
    }
    ManifestSet parsed = parse(contents);
    if (!readErrors.hasErrors()) {
      return parsed;
    }
    parsed.errors().forEach(e -> readErrors.error(e.pos(), e.message()));
    return new ManifestSet(
        List.of(),
        ManifestError.all(readErrors.sorted(files)),
        files,
        readErrors.count() - parsed.errors().size() + parsed.totalErrors());
  }

  private static ManifestSet failed(SourcePos pos, String message) {
    return new ManifestSet(List.of(), List.of(new ManifestError(pos, message)), List.of());
  }

  /**
   * The files under {@code root} whose relative path matches {@code glob}, sorted (path order: the
   * {@code /}-separated relative paths compared character by character). A glob starting with
   * {@code **}{@code /} also matches files directly in {@code root}. {@code .git} is not searched
   * and symbolic links are not followed (a link in the repository must not make the server read
   * files outside it).
   */
  public static List<String> find(Path root, String glob) throws IOException {
    Predicate<Path> manifest = matcher(glob);
    if (!Files.isDirectory(root)) {
      throw new IOException(root + " is not a directory");
    }
    List<String> out = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.getFileName() != null
                    && dir.getFileName().toString().equals(".git")
                    && !dir.equals(root)
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              Path rel = root.relativize(file);
              if (manifest.test(rel)) {
                out.add(rel.toString().replace(file.getFileSystem().getSeparator(), "/"));
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
    Collections.sort(out);
    return out;
  }

  /**
   * Whether a relative path is a manifest under {@code glob}, as {@link #find} decides: a glob
   * starting with {@code **}{@code /} also matches files at the top level.
   *
   * @throws java.util.regex.PatternSyntaxException for a malformed glob
   */
  public static Predicate<Path> matcher(String glob) {
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    PathMatcher topLevel =
        glob.startsWith("**/")
            ? FileSystems.getDefault().getPathMatcher("glob:" + glob.substring(3))
            : null;
    return rel ->
        matcher.matches(rel)
            || (topLevel != null && rel.getNameCount() == 1 && topLevel.matches(rel));
  }

  /**
   * Parses in-memory files (relative path → content), merged in the map's order: what {@link #load}
   * does after reading the files, and what tests and {@code fluke validate} call directly.
   */
  public ManifestSet parse(SortedMap<String, String> files) {
    List<String> names = List.copyOf(files.keySet());
    Progress progress =
        new Progress(new SourcePos(names.isEmpty() ? "<none>" : names.get(0), 1, 1));
    try {
      return parseChecked(files, names, progress);
    } catch (Throwable unexpected) {
      return internalError(progress, unexpected, names);
    }
  }

  private ManifestSet parseChecked(
      SortedMap<String, String> files, List<String> names, Progress progress) {
    Diagnostics diags = new Diagnostics(limits.maxErrors());
    List<Body> bodies = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, String> file : files.entrySet()) {
      progress.at = new SourcePos(file.getKey(), 1, 1);
      total += file.getValue().length();
      if (file.getValue().length() > limits.maxFileBytes() || total > limits.maxSetBytes()) {
        diags.error(
            progress.at,
            String.format(
                "the file is too large: %,d characters (a manifest file may have at most %,d bytes"
                    + " and the set %,d)",
                file.getValue().length(), limits.maxFileBytes(), limits.maxSetBytes()));
        continue;
      }
      bodies.add(HclParser.parse(file.getKey(), file.getValue(), diags, limits));
    }

    Evaluator evaluator =
        new Evaluator(HclFunctions.standard(), diags, limits)
            .explainUnavailable("env", ENV_IN_MANIFEST);
    List<Block> taskBlocks = new ArrayList<>();
    for (Body body : bodies) {
      for (BodyItem item : body.items()) {
        collectTopLevel(item, evaluator, taskBlocks, diags);
      }
    }
    progress.at = new SourcePos(names.isEmpty() ? "<none>" : names.get(0), 1, 1);
    evaluator.evaluateLocals();

    SchemaDecoder decoder = new SchemaDecoder(evaluator, diags);
    Map<String, Block> byName = new HashMap<>();
    Map<String, SourcePos> dependsOnPos = new HashMap<>();
    List<TaskSpec> tasks = new ArrayList<>();
    for (Block b : taskBlocks) {
      progress.at = b.pos();
      if (b.labels().size() != 1) {
        diags.error(b.pos(), SchemaDecoder.labelMessage(b, 1));
        continue;
      }
      Body.Label label = b.labels().get(0);
      Block first = byName.putIfAbsent(label.value(), b);
      if (first != null) {
        diags.error(
            b.pos(),
            "duplicate task \""
                + label.value()
                + "\": already defined at "
                + first.pos()
                + "; task names must be unique across all manifest files");
      }
      if (!validName(label, "task", diags)) {
        continue;
      }
      // A duplicate is still checked, so that its own errors are reported in the same run.
      compileTask(b, label.value(), decoder, diags, dependsOnPos).ifPresent(tasks::add);
    }
    progress.at = new SourcePos(names.isEmpty() ? "<none>" : names.get(0), 1, 1);
    Dependencies.check(tasks, byName.keySet(), dependsOnPos, diags);
    if (diags.hasErrors()) {
      return new ManifestSet(
          List.of(), ManifestError.all(diags.sorted(names)), names, diags.count());
    }
    return new ManifestSet(tasks, List.of(), names);
  }

  private static void collectTopLevel(
      BodyItem item, Evaluator evaluator, List<Block> tasks, Diagnostics diags) {
    if (item instanceof Attribute a) {
      diags.error(
          a.pos(),
          "unexpected attribute \""
              + a.name()
              + "\" at the top level of a manifest;"
              + " expected a block: locals { … } or task \"name\" { … }");
      return;
    }
    Block b = (Block) item;
    switch (b.type()) {
      case "task" -> tasks.add(b);
      case "locals" -> evaluator.defineLocals(b);
      default ->
          diags.error(
              b.pos(),
              "unknown block \""
                  + b.type()
                  + "\" at the top level of a manifest"
                  + Names.suggest(b.type(), List.of("locals", "task"))
                  + "; expected a block: locals, task");
    }
  }

  private static boolean validName(Body.Label label, String what, Diagnostics diags) {
    if (NAME.matcher(label.value()).matches()) {
      return true;
    }
    if (label.value().isEmpty() && diags.hasErrorAt(label.pos())) {
      return false; // an unreadable label, already reported by the parser
    }
    diags.error(
        label.pos(),
        "bad "
            + what
            + " name \""
            + label.value()
            + "\": use letters, digits, '_', '-' and '.'"
            + " (names appear in URLs, CLI arguments and events)");
    return false;
  }

  private Optional<TaskSpec> compileTask(
      Block task,
      String name,
      SchemaDecoder decoder,
      Diagnostics diags,
      Map<String, SourcePos> dependsOnPos) {
    int errorsBefore = diags.count();
    String where = "task \"" + name + "\"";
    List<BodyItem> others = new ArrayList<>();
    List<ExecutorSpec> executors = new ArrayList<>();
    Map<String, Block> executorNames = new HashMap<>();
    boolean anyExecutor = false;
    for (BodyItem item : task.body().items()) {
      if (item instanceof Block b && executorSchemas.containsKey(b.type())) {
        anyExecutor = true;
        compileExecutor(b, where, executorNames, decoder, diags).ifPresent(executors::add);
      } else {
        others.add(item);
      }
    }
    if (task.damaged()) {
      // Unclosed, or an item was skipped: the complete executor blocks in it were checked above,
      // but
      // the task as a whole would only report follow-on errors (e.g. later tasks swallowed by it).
      return Optional.empty();
    }
    Decoded d = decoder.decode(others, task.pos(), TASK, where, List.of(name), executorTypes);
    Optional<Window> window =
        d.block("window") == null
            ? Optional.empty()
            : compileWindow(d.block("window"), windowBlock(others), where, diags);
    if (!anyExecutor) {
      diags.error(
          task.pos(),
          where
              + " has no executor block: add at least one of "
              + Names.list(executorTypes)
              + ", e.g. shell \"name\" { check = \"…\"  command = \"…\" }");
    }
    Decoded drift = d.block("drift");
    Optional<FlapLimit> flap = drift == null ? Optional.empty() : flapLimit(drift, diags);
    Optional<RolloutSpec> rollout =
        d.block("rollout") == null
            ? Optional.empty()
            : RolloutSpec.fromHcl(d.block("rollout"), diags);
    // Any error anywhere rejects the set: a task is built only from a set read without any, so
    // nothing below ever meets a part that was rejected (e.g. a selector block that did not parse).
    if (diags.count() != errorsBefore || diags.hasErrors() || d.block("selector") == null) {
      return Optional.empty();
    }
    Optional<DriftPolicy> policy =
        drift == null ? Optional.empty() : DriftPolicy.parse(drift.string("policy"));
    if (d.isSet("depends_on")) {
      dependsOnPos.put(name, d.posOf("depends_on"));
    }
    Selector selector = new Selector(d.block("selector").stringMap("match_labels"));
    return Optional.of(
        new TaskSpec(
            name,
            d.string("description"),
            policy,
            selector,
            executors,
            task.pos(),
            window,
            d.stringList("depends_on"),
            flap,
            rollout));
  }

  private static Block windowBlock(List<BodyItem> items) {
    for (BodyItem item : items) {
      if (item instanceof Block b && b.type().equals("window")) {
        return b;
      }
    }
    return null;
  }

  /**
   * Checks a decoded {@code window} block strictly: at least one of allow/deny, no empty list,
   * every entry well formed (reported at the entry itself), a known time zone.
   */
  private static Optional<Window> compileWindow(
      Decoded w, Block block, String taskWhere, Diagnostics diags) {
    String where = "window in " + taskWhere;
    int errorsBefore = diags.count();
    if (!w.written("allow") && !w.written("deny")) {
      boolean misspelt =
          block != null
              && block.body().items().stream()
                  .anyMatch(
                      i -> !(i instanceof Attribute a) || WINDOW.attribute(a.name()).isEmpty());
      if (misspelt) {
        return Optional.empty(); // a misspelt name was reported; "needs allow" would only repeat it
      }
      diags.error(
          w.pos(), where + " needs allow or deny entries, e.g. allow = [\"Sat 02:00-06:00\"]");
      return Optional.empty();
    }
    for (String list : List.of("allow", "deny")) {
      if (!w.isSet(list)) {
        continue;
      }
      List<String> entries = w.stringList(list);
      if (entries.isEmpty()) {
        diags.error(
            w.posOf(list),
            "\""
                + list
                + "\" in "
                + where
                + " is empty: list at least one entry ("
                + Window.EXPECTED
                + ") or leave it out");
        continue;
      }
      for (int i = 0; i < entries.size(); i++) {
        try {
          Window.entry(entries.get(i));
        } catch (IllegalArgumentException e) {
          diags.error(entryPos(block, list, i, w.posOf(list)), e.getMessage() + " in " + where);
        }
      }
    }
    if (w.isSet("timezone")) {
      try {
        Window.zone(w.string("timezone"));
      } catch (IllegalArgumentException e) {
        diags.error(w.posOf("timezone"), e.getMessage() + " (in " + where + ")");
      }
    }
    if (diags.count() != errorsBefore || w.written("timezone") && !w.isSet("timezone")) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Window.of(w.stringList("allow"), w.stringList("deny"), w.string("timezone")));
    } catch (IllegalArgumentException e) {
      diags.error(w.pos(), e.getMessage() + " (in " + where + ")");
      return Optional.empty();
    }
  }

  /** Where element {@code i} of the list attribute {@code name} of {@code block} was written. */
  private static SourcePos entryPos(Block block, String name, int i, SourcePos fallback) {
    if (block == null) {
      return fallback;
    }
    for (BodyItem item : block.body().items()) {
      if (item instanceof Attribute a
          && a.name().equals(name)
          && a.value() instanceof dev.fluke.hcl.Expr.Tuple t
          && i < t.items().size()) {
        return t.items().get(i).pos();
      }
    }
    return fallback;
  }

  /** {@code drift { max_remediations period }}: both, one (the other from the default) or none. */
  private static Optional<FlapLimit> flapLimit(Decoded drift, Diagnostics diags) {
    if (!drift.isSet("max_remediations") && !drift.isSet("period")) {
      return Optional.empty();
    }
    Integer max = drift.wholeNumber("max_remediations", 1, 1_000_000, diags);
    Duration period =
        drift.string("period") == null
            ? FlapLimit.DEFAULT.period()
            : Durations.parse(drift.string("period"));
    if (period.isZero()) {
      diags.error(drift.posOf("period"), "\"period\" in " + drift.where() + " must be > 0");
      return Optional.empty();
    }
    if (max == null) {
      return drift.isSet("max_remediations")
          ? Optional.empty()
          : Optional.of(new FlapLimit(FlapLimit.DEFAULT.maxRemediations(), period));
    }
    return Optional.of(new FlapLimit(max, period));
  }

  private Optional<ExecutorSpec> compileExecutor(
      Block b,
      String taskWhere,
      Map<String, Block> names,
      SchemaDecoder decoder,
      Diagnostics diags) {
    if (b.labels().size() != 1) {
      diags.error(b.pos(), SchemaDecoder.labelMessage(b, 1) + " (the executor's name)");
      return Optional.empty();
    }
    Body.Label label = b.labels().get(0);
    Block first = names.putIfAbsent(label.value(), b);
    if (first != null) {
      diags.error(
          b.pos(),
          "duplicate executor name \""
              + label.value()
              + "\" in "
              + taskWhere
              + ": "
              + first.describe()
              + " at "
              + first.pos()
              + " has it already; executor names must be unique within a task");
    }
    if (!validName(label, "executor", diags) || b.damaged()) {
      return Optional.empty();
    }
    int errorsBefore = diags.count();
    Decoded d = decoder.decode(b, executorSchemas.get(b.type()), taskWhere);
    if (diags.count() != errorsBefore || diags.hasErrors()) {
      return Optional.empty();
    }
    Map<String, Object> attributes = new LinkedHashMap<>(d.toPlain());
    // on_failure lives in ExecutorSpec.onFailure() only, so there is one source of truth.
    Object onFailure = attributes.remove(BuiltinSchemas.ON_FAILURE.name());
    OnFailure of =
        OnFailure.CONTINUE.hclName().equals(onFailure) ? OnFailure.CONTINUE : OnFailure.ABORT;
    return Optional.of(new ExecutorSpec(b.type(), label.value(), attributes, of, b.pos()));
  }
}
