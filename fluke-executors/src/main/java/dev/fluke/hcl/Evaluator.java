package dev.fluke.hcl;

import dev.fluke.hcl.Body.Attribute;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Evaluates {@link Expr}s to plain values ({@link Values}): literals, templates (with {@code %{ if
 * }} and {@code %{ for }}), lists, maps, for expressions, splats, operators, conditionals, function
 * calls and {@code local.NAME} references. Locals are evaluated once each, in the order of their
 * references (so a long chain of locals does not nest), with cycle detection; they may refer to
 * each other in any order and across files.
 *
 * <p>Every problem is reported to {@link Diagnostics} at the position of the offending expression
 * and the value becomes {@link Values#INVALID}, which propagates without further errors.
 *
 * <p>Bounded by {@link Limits}: every value made is checked for size and nesting, and the work of
 * one evaluator (one manifest set) is counted; when it runs out, one error is reported and every
 * further evaluation is {@link Values#INVALID}.
 */
public final class Evaluator {
  private final HclFunctions functions;
  private final Diagnostics diags;
  private final Limits limits;
  private final Map<String, String> unavailable = new HashMap<>();
  private final Map<String, Attribute> locals = new LinkedHashMap<>();
  private final Map<String, Object> localValues = new HashMap<>();
  private final LinkedHashSet<String> evaluating = new LinkedHashSet<>();

  /** Variables of the for expressions being evaluated, innermost first. */
  private Deque<Map<String, Object>> scopes = new ArrayDeque<>();

  private final Map<Expr.SplatItem, Object> splatItems = new IdentityHashMap<>();

  /** Size and nesting of each list and map made, so that no value is measured twice. */
  private final Map<Object, long[]> shapes = new IdentityHashMap<>();

  private long steps;
  private boolean exhausted;

  public Evaluator(HclFunctions functions, Diagnostics diags) {
    this(functions, diags, Limits.DEFAULT);
  }

  public Evaluator(HclFunctions functions, Diagnostics diags, Limits limits) {
    this.functions = functions;
    this.diags = diags;
    this.limits = limits;
  }

  /**
   * Explains why a function that exists elsewhere is not available here (e.g. {@code env} in
   * manifests); used instead of the plain "unknown function" message.
   */
  public Evaluator explainUnavailable(String function, String why) {
    unavailable.put(function, why);
    return this;
  }

  /**
   * Defines {@code local.NAME}. Returns the earlier definition when the name is already taken (the
   * new one is ignored; the caller reports the duplicate naming both places).
   */
  public Optional<Attribute> defineLocal(Attribute local) {
    Attribute earlier = locals.putIfAbsent(local.name(), local);
    return Optional.ofNullable(earlier);
  }

  /**
   * Defines every attribute of a {@code locals { … }} block; a label, a nested block or a name
   * defined before is an error naming both places.
   */
  public void defineLocals(Body.Block block) {
    if (!block.labels().isEmpty()) {
      diags.error(block.pos(), SchemaDecoder.labelMessage(block, 0));
      return;
    }
    for (Body.BodyItem local : block.body().items()) {
      if (local instanceof Attribute a) {
        defineLocal(a)
            .ifPresent(
                earlier ->
                    diags.error(
                        a.pos(),
                        "duplicate local \""
                            + a.name()
                            + "\": already defined at "
                            + earlier.pos()));
      } else {
        diags.error(
            local.pos(),
            "a locals block holds attributes only (name = value), found block \""
                + local.name()
                + "\"");
      }
    }
  }

  /**
   * Evaluates every local, so that errors in unused locals are reported too. The locals a local
   * refers to are evaluated before it, so evaluation does not nest along a chain of locals however
   * long; locals on a cycle come last, in definition order, and the cycle is reported from the
   * first of them.
   */
  public void evaluateLocals() {
    for (String name : dependencyOrder()) {
      local(name, locals.get(name).pos());
    }
    for (Map.Entry<String, Attribute> e : locals.entrySet()) {
      local(e.getKey(), e.getValue().pos());
    }
  }

  /** The locals not on a cycle, each after the locals its expression names. */
  private List<String> dependencyOrder() {
    Map<String, List<String>> deps = new HashMap<>();
    for (Map.Entry<String, Attribute> e : locals.entrySet()) {
      List<String> refs = new ArrayList<>();
      Exprs.walk(
          e.getValue().value(),
          x -> {
            if (x instanceof Expr.GetAttr g
                && g.source() instanceof Expr.Variable v
                && v.name().equals("local")
                && locals.containsKey(g.name())) {
              refs.add(g.name());
            }
          });
      deps.put(e.getKey(), refs);
    }
    List<String> order = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Set<String> cyclic = new HashSet<>();
    for (String root : locals.keySet()) {
      if (!seen.add(root)) {
        continue;
      }
      Deque<Map.Entry<String, Iterator<String>>> stack = new ArrayDeque<>();
      List<String> path = new ArrayList<>();
      Map<String, Integer> onPath = new HashMap<>();
      stack.push(Map.entry(root, deps.get(root).iterator()));
      onPath.put(root, 0);
      path.add(root);
      while (!stack.isEmpty()) {
        Map.Entry<String, Iterator<String>> top = stack.peek();
        if (top.getValue().hasNext()) {
          String dep = top.getValue().next();
          Integer at = onPath.get(dep);
          if (at != null) {
            cyclic.addAll(path.subList(at, path.size()));
          } else if (seen.add(dep)) {
            stack.push(Map.entry(dep, deps.get(dep).iterator()));
            onPath.put(dep, path.size());
            path.add(dep);
          }
        } else {
          order.add(top.getKey());
          stack.pop();
          onPath.remove(top.getKey());
          path.remove(path.size() - 1);
        }
      }
    }
    order.removeIf(cyclic::contains);
    return order;
  }

  public Object evaluate(Expr e) {
    if (exhausted) {
      return Values.INVALID;
    }
    if (++steps > limits.maxSteps()) {
      exhaust(e.pos());
      return Values.INVALID;
    }
    if (e instanceof Expr.Literal lit) {
      return lit.value() instanceof String s ? checked(s, lit.pos()) : lit.value();
    } else if (e instanceof Expr.Template t) {
      return template(t);
    } else if (e instanceof Expr.Tuple t) {
      return tuple(t);
    } else if (e instanceof Expr.ObjectCons o) {
      return object(o);
    } else if (e instanceof Expr.Variable v) {
      return variable(v);
    } else if (e instanceof Expr.GetAttr g) {
      return getAttr(g);
    } else if (e instanceof Expr.Index ix) {
      return index(ix);
    } else if (e instanceof Expr.Call c) {
      return call(c);
    } else if (e instanceof Expr.Conditional c) {
      return conditional(c);
    } else if (e instanceof Expr.Binary b) {
      return binary(b);
    } else if (e instanceof Expr.Unary u) {
      return unary(u);
    } else if (e instanceof Expr.For f) {
      return forExpression(f);
    } else if (e instanceof Expr.Splat s) {
      return splat(s);
    } else if (e instanceof Expr.SplatItem item) {
      return splatItems.getOrDefault(item, Values.INVALID);
    } else if (e instanceof Expr.TemplateJoin j) {
      return templateJoin(j);
    } else {
      return Values.INVALID;
    }
  }

  private Object error(SourcePos pos, String message) {
    diags.error(pos, message);
    return Values.INVALID;
  }

  // ---- limits

  private void exhaust(SourcePos pos) {
    exhausted = true;
    diags.error(
        pos,
        String.format(
            "too much evaluation work: more than %,d steps for this set of files (for expressions"
                + " over large lists, nested in each other?)",
            limits.maxSteps()));
  }

  /** Counts work beyond one step per expression; false once the budget is exhausted. */
  private boolean charge(long work, SourcePos pos) {
    if (exhausted) {
      return false;
    }
    steps += Math.max(0, work);
    if (steps > limits.maxSteps()) {
      exhaust(pos);
      return false;
    }
    return true;
  }

  private static final long[] FLAT = {0, 0};

  /**
   * The size and nesting depth of a list or map (see {@link Limits#maxValueSize()}); {@link #FLAT}
   * for anything else.
   */
  private long[] shape(Object v, int level) {
    if (!(v instanceof List<?>) && !(v instanceof Map<?, ?>)) {
      return FLAT;
    }
    long[] known = shapes.get(v);
    if (known != null) {
      return known;
    }
    if (level > limits.maxDepth()) {
      return new long[] {0, level};
    }
    long size = 0;
    long depth = 0;
    if (v instanceof List<?> l) {
      for (Object x : l) {
        size += 1 + flatSize(x);
        if (x instanceof List<?> || x instanceof Map<?, ?>) {
          long[] s = shape(x, level + 1);
          size += s[0];
          depth = Math.max(depth, s[1]);
        }
      }
    } else {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        Object x = e.getValue();
        size += 1 + ((String) e.getKey()).length() + flatSize(x);
        if (x instanceof List<?> || x instanceof Map<?, ?>) {
          long[] s = shape(x, level + 1);
          size += s[0];
          depth = Math.max(depth, s[1]);
        }
      }
    }
    long[] result = {size, depth + 1};
    shapes.put(v, result);
    return result;
  }

  private static long flatSize(Object v) {
    return v instanceof String s ? s.length() : 0;
  }

  private long size(Object v) {
    return v instanceof String s ? s.length() : shape(v, 0)[0];
  }

  /** The value, or INVALID (reported) when it is larger or deeper than a value may be. */
  private Object checked(Object v, SourcePos pos) {
    if (v instanceof String s) {
      if (s.length() > limits.maxValueSize()) {
        return error(
            pos,
            String.format(
                "string too long: %,d characters; a value may hold at most %,d",
                s.length(), limits.maxValueSize()));
      }
      return s;
    }
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      long[] s = shape(v, 0);
      if (s[1] > limits.maxDepth()) {
        return error(
            pos,
            "value nested too deeply: more than "
                + limits.maxDepth()
                + " levels of lists and maps inside one another");
      }
      if (s[0] > limits.maxValueSize()) {
        return error(
            pos,
            String.format(
                "value too large: %,d elements, entries and characters; a value may hold at most"
                    + " %,d",
                s[0], limits.maxValueSize()));
      }
    }
    return v;
  }

  // ---- locals and variables

  private Object local(String name, SourcePos refPos) {
    if (localValues.containsKey(name)) {
      return localValues.get(name);
    }
    Attribute def = locals.get(name);
    if (def == null) {
      TreeSet<String> known = new TreeSet<>(locals.keySet());
      return error(
          refPos,
          "unknown local value local."
              + name
              + Names.suggest(name, known)
              + "; defined locals: "
              + Names.list(known));
    }
    if (evaluating.contains(name)) {
      List<String> chain = new ArrayList<>();
      boolean inCycle = false;
      for (String n : evaluating) {
        inCycle |= n.equals(name);
        if (inCycle) {
          chain.add("local." + n);
        }
      }
      chain.add("local." + name);
      return error(refPos, "local." + name + " refers to itself: " + String.join(" -> ", chain));
    }
    if (evaluating.size() >= limits.maxDepth()) {
      return error(
          refPos,
          "local values nested too deeply: more than "
              + limits.maxDepth()
              + " locals being evaluated inside one another");
    }
    evaluating.add(name);
    // A local sees no variables of the for expression that happens to use it first.
    Deque<Map<String, Object>> saved = scopes;
    scopes = new ArrayDeque<>();
    Object v;
    try {
      v = evaluate(def.value());
    } finally {
      scopes = saved;
      evaluating.remove(name);
    }
    localValues.put(name, v);
    return v;
  }

  private boolean bound(String name) {
    for (Map<String, Object> scope : scopes) {
      if (scope.containsKey(name)) {
        return true;
      }
    }
    return false;
  }

  private Object variable(Expr.Variable v) {
    for (Map<String, Object> scope : scopes) {
      if (scope.containsKey(v.name())) {
        return scope.get(v.name());
      }
    }
    if (v.name().equals("local")) {
      return error(v.pos(), "local must be followed by the name of a local value: local.NAME");
    }
    Set<String> names = new TreeSet<>();
    scopes.forEach(s -> names.addAll(s.keySet()));
    return error(
        v.pos(),
        "unknown variable \""
            + v.name()
            + "\""
            + Names.suggest(v.name(), names)
            + ": only local.NAME"
            + (names.isEmpty() ? "" : " and the for expression's " + Names.list(names))
            + " can be referenced (for the string, write \""
            + v.name()
            + "\" in quotes)");
  }

  private Object getAttr(Expr.GetAttr g) {
    if (g.source() instanceof Expr.Variable v && v.name().equals("local") && !bound("local")) {
      return local(g.name(), v.pos());
    }
    Object source = evaluate(g.source());
    if (source == Values.INVALID) {
      return source;
    }
    if (source instanceof Map<?, ?> m) {
      if (!m.containsKey(g.name())) {
        return error(
            g.pos(), "no key \"" + g.name() + "\" in the map; keys: " + Names.list(keysOf(m)));
      }
      return m.get(g.name());
    }
    return error(
        g.pos(),
        "cannot read ." + g.name() + " of a " + Values.typeName(source) + ": only maps have keys");
  }

  private static TreeSet<String> keysOf(Map<?, ?> m) {
    TreeSet<String> keys = new TreeSet<>();
    m.keySet().forEach(k -> keys.add(String.valueOf(k)));
    return keys;
  }

  private Object index(Expr.Index ix) {
    Object source = evaluate(ix.source());
    Object key = evaluate(ix.key());
    if (source == Values.INVALID || key == Values.INVALID) {
      return Values.INVALID;
    }
    if (source instanceof List<?> l) {
      if (!(key instanceof Long i)) {
        return error(
            ix.key().pos(), "a list index must be a whole number, got " + Values.typeName(key));
      }
      if (i < 0 || i >= l.size()) {
        return error(
            ix.key().pos(),
            "index " + i + " is out of range for a list of " + l.size() + " elements");
      }
      return l.get(i.intValue());
    }
    if (source instanceof Map<?, ?> m) {
      String k = Values.primitiveToString(key);
      if (k == null) {
        return error(ix.key().pos(), "a map key must be a string, got " + Values.typeName(key));
      }
      if (!m.containsKey(k)) {
        return error(
            ix.key().pos(), "no key \"" + k + "\" in the map; keys: " + Names.list(keysOf(m)));
      }
      return m.get(k);
    }
    return error(
        ix.pos(),
        "cannot index a " + Values.typeName(source) + ": only lists and maps can be indexed");
  }

  // ---- constructors

  private Object template(Expr.Template t) {
    StringBuilder sb = new StringBuilder();
    boolean invalid = false;
    for (Expr part : t.parts()) {
      Object v = evaluate(part);
      if (v == Values.INVALID) {
        invalid = true;
        continue;
      }
      String s = Values.primitiveToString(v);
      if (s == null) {
        String hint = v == null ? "" : " (use join() or jsonencode())";
        error(part.pos(), "cannot interpolate a " + Values.typeName(v) + " into a string" + hint);
        invalid = true;
        continue;
      }
      if (sb.length() + (long) s.length() > limits.maxValueSize()) {
        return checked(
            sb.append(s, 0, limits.maxValueSize() + 1 - sb.length()).toString(), t.pos());
      }
      sb.append(s);
    }
    return invalid ? Values.INVALID : Values.nfc(sb.toString());
  }

  private Object templateJoin(Expr.TemplateJoin j) {
    Object v = evaluate(j.loop());
    if (!(v instanceof List<?> l)) {
      return Values.INVALID;
    }
    StringBuilder sb = new StringBuilder();
    for (Object item : l) {
      String s = (String) item;
      if (sb.length() + (long) s.length() > limits.maxValueSize()) {
        return checked(
            sb.append(s, 0, limits.maxValueSize() + 1 - sb.length()).toString(), j.pos());
      }
      sb.append(s);
    }
    return Values.nfc(sb.toString());
  }

  private Object tuple(Expr.Tuple t) {
    List<Object> out = new ArrayList<>();
    boolean invalid = false;
    for (Expr item : t.items()) {
      Object v = evaluate(item);
      invalid |= v == Values.INVALID;
      out.add(v);
    }
    return invalid ? Values.INVALID : checked(Collections.unmodifiableList(out), t.pos());
  }

  private Object object(Expr.ObjectCons o) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, SourcePos> keyPos = new HashMap<>();
    boolean invalid = false;
    for (Expr.ObjectItem item : o.items()) {
      Object k = evaluate(item.key());
      Object v = evaluate(item.value());
      if (k == Values.INVALID || v == Values.INVALID) {
        invalid = true;
        continue;
      }
      String key = Values.primitiveToString(k);
      if (key == null) {
        error(item.key().pos(), "a map key must be a string, got " + Values.typeName(k));
        invalid = true;
        continue;
      }
      key = Values.nfc(key);
      SourcePos first = keyPos.putIfAbsent(key, item.key().pos());
      if (first != null) {
        error(item.key().pos(), "duplicate key \"" + key + "\" in the map; first set at " + first);
        invalid = true;
        continue;
      }
      out.put(key, v);
    }
    return invalid ? Values.INVALID : checked(Collections.unmodifiableMap(out), o.pos());
  }

  /** Compares keys as HCL orders them: by code point (the order of their UTF-8 bytes). */
  private static int byCodePoint(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private Object forExpression(Expr.For f) {
    Object collection = evaluate(f.collection());
    if (collection == Values.INVALID) {
      return collection;
    }
    List<?> keys;
    List<?> values;
    if (collection instanceof List<?> l) {
      keys = null;
      values = l;
    } else if (collection instanceof Map<?, ?> m) {
      TreeMap<String, Object> sorted = new TreeMap<>(Evaluator::byCodePoint);
      m.forEach((k, v) -> sorted.put((String) k, v));
      keys = new ArrayList<>(sorted.keySet());
      values = new ArrayList<>(sorted.values());
    } else {
      return error(
          f.collection().pos(),
          "a for expression goes through a list or a map, got " + Values.typeName(collection));
    }
    List<Object> list = new ArrayList<>();
    Map<String, Object> map = new LinkedHashMap<>();
    Map<String, List<Object>> groups = new LinkedHashMap<>();
    boolean invalid = false;
    boolean conditionReported = false;
    long size = 0;
    // One scope for the whole loop, its variables set for each element: nothing keeps a scope.
    Map<String, Object> scope = new HashMap<>(4);
    scopes.push(scope);
    try {
      for (int i = 0; i < values.size(); i++) {
        if (exhausted) {
          return Values.INVALID;
        }
        if (f.keyVar() != null) {
          scope.put(f.keyVar(), keys == null ? (Object) (long) i : keys.get(i));
        }
        scope.put(f.valueVar(), values.get(i));
        if (f.condition() != null) {
          Object c = evaluate(f.condition());
          if (c == Values.INVALID) {
            invalid = true;
            continue;
          }
          if (!(c instanceof Boolean include)) {
            if (!conditionReported) {
              error(
                  f.condition().pos(),
                  "the if condition of a for expression must be a bool, got " + Values.typeName(c));
              conditionReported = true;
            }
            invalid = true;
            continue;
          }
          if (!include) {
            continue;
          }
        }
        String key = null;
        if (f.key() != null) {
          Object k = evaluate(f.key());
          if (k == Values.INVALID) {
            invalid = true;
            continue;
          }
          key = Values.primitiveToString(k);
          if (key == null) {
            error(f.key().pos(), "a map key must be a string, got " + Values.typeName(k));
            invalid = true;
            continue;
          }
          key = Values.nfc(key);
        }
        Object v = evaluate(f.value());
        if (v == Values.INVALID) {
          invalid = true;
          continue;
        }
        size += 1 + size(v) + (key == null ? 0 : key.length());
        if (size > limits.maxValueSize()) {
          return error(
              f.pos(),
              String.format(
                  "value too large: the for expression makes more than %,d elements, entries and"
                      + " characters",
                  limits.maxValueSize()));
        }
        if (key == null) {
          list.add(v);
        } else if (f.group()) {
          groups.computeIfAbsent(key, x -> new ArrayList<>()).add(v);
        } else if (map.containsKey(key)) {
          error(
              f.key().pos(),
              "duplicate key \""
                  + key
                  + "\" made by the for expression; write '...' after the value to group the"
                  + " values of a key in a list");
          invalid = true;
        } else {
          map.put(key, v);
        }
      }
    } finally {
      scopes.pop();
    }
    if (invalid) {
      return Values.INVALID;
    }
    if (f.key() == null) {
      return checked(Collections.unmodifiableList(list), f.pos());
    }
    if (f.group()) {
      groups.forEach((k, vs) -> map.put(k, Collections.unmodifiableList(vs)));
    }
    return checked(Collections.unmodifiableMap(map), f.pos());
  }

  private Object splat(Expr.Splat s) {
    Object source = evaluate(s.source());
    if (source == Values.INVALID) {
      return source;
    }
    List<?> items = source == null ? List.of() : source instanceof List<?> l ? l : List.of(source);
    List<Object> out = new ArrayList<>(items.size());
    boolean invalid = false;
    for (Object item : items) {
      if (exhausted) {
        return Values.INVALID;
      }
      splatItems.put(s.item(), item);
      try {
        Object v = evaluate(s.each());
        invalid |= v == Values.INVALID;
        out.add(v);
      } finally {
        splatItems.remove(s.item());
      }
    }
    return invalid ? Values.INVALID : checked(Collections.unmodifiableList(out), s.pos());
  }

  // ---- functions

  private Object call(Expr.Call c) {
    List<Object> args = new ArrayList<>();
    List<SourcePos> positions = new ArrayList<>();
    boolean invalid = false;
    for (int i = 0; i < c.args().size(); i++) {
      Expr argExpr = c.args().get(i);
      Object v = evaluate(argExpr);
      invalid |= v == Values.INVALID;
      if (c.expandFinal() && i == c.args().size() - 1 && v != Values.INVALID) {
        if (!(v instanceof List<?> l)) {
          error(argExpr.pos(), "only a list can be expanded with '...', got " + Values.typeName(v));
          invalid = true;
          continue;
        }
        for (Object item : l) {
          args.add(item);
          positions.add(argExpr.pos());
        }
      } else {
        args.add(v);
        positions.add(argExpr.pos());
      }
    }
    Optional<HclFunctions.Def> def = functions.find(c.name());
    if (def.isEmpty()) {
      return unknownFunction(c);
    }
    HclFunctions.Def f = def.get();
    if (args.size() < f.minArgs() || (f.maxArgs() >= 0 && args.size() > f.maxArgs())) {
      String expected =
          f.maxArgs() < 0
              ? "at least " + plural(f.minArgs())
              : f.minArgs() == f.maxArgs()
                  ? plural(f.minArgs())
                  : f.minArgs() + " to " + plural(f.maxArgs());
      return error(
          c.pos(),
          c.name() + "() takes " + expected + ", got " + args.size() + ": " + f.signature());
    }
    if (invalid) {
      return Values.INVALID;
    }
    // Functions go through their arguments at most a few times: count that as their work.
    long work = args.size();
    for (Object a : args) {
      work += size(a);
    }
    if (!charge(work, c.pos())) {
      return Values.INVALID;
    }
    HclFunction.Args a =
        new HclFunction.Args(
            c.name(),
            Collections.unmodifiableList(args),
            positions,
            limits,
            w -> charge(w, c.pos()));
    Object result;
    try {
      result = f.impl().call(a);
    } catch (HclFunction.Failure failure) {
      if (failure.reported()) {
        return Values.INVALID;
      }
      SourcePos at =
          failure.argument() >= 0 && failure.argument() < args.size()
              ? a.pos(failure.argument())
              : c.pos();
      return error(at, failure.getMessage());
    } catch (RuntimeException unexpected) {
      // A function must report its own failures; should one slip through, it is still an error
      // at the call, not a crash of the whole load.
      return error(c.pos(), c.name() + "() failed: " + unexpected);
    }
    Object normal = normalizeStrings(result, 0);
    return checked(normal, c.pos());
  }

  /** Function results keep strings in normal form C, as HCL does for every string. */
  private Object normalizeStrings(Object v, int level) {
    if (v instanceof String s) {
      return Values.nfc(s);
    }
    if (level > limits.maxDepth() || shapes.containsKey(v)) {
      return v;
    }
    if (v instanceof List<?> l) {
      List<Object> out = null;
      for (int i = 0; i < l.size(); i++) {
        Object x = normalizeStrings(l.get(i), level + 1);
        if (x != l.get(i) && out == null) {
          out = new ArrayList<>(l.subList(0, i));
        }
        if (out != null) {
          out.add(x);
        }
      }
      return out == null ? v : Collections.unmodifiableList(out);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      boolean changed = false;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = Values.nfc((String) e.getKey());
        Object x = normalizeStrings(e.getValue(), level + 1);
        changed |= x != e.getValue() || !k.equals(e.getKey());
        out.put(k, x);
      }
      return changed ? Collections.unmodifiableMap(out) : v;
    }
    return v;
  }

  private Object unknownFunction(Expr.Call c) {
    String why = unavailable.get(c.name());
    if (why != null) {
      return error(c.pos(), "function " + c.name() + "() is not available here: " + why);
    }
    return error(
        c.pos(),
        "unknown function \""
            + c.name()
            + "\""
            + Names.suggest(c.name(), functions.names())
            + "; available functions: "
            + Names.list(functions.names()));
  }

  private static String plural(int n) {
    return n + (n == 1 ? " argument" : " arguments");
  }

  // ---- operators

  private Object conditional(Expr.Conditional c) {
    Object cond = evaluate(c.condition());
    if (cond == Values.INVALID) {
      checkFunctions(c.whenTrue());
      checkFunctions(c.whenFalse());
      return cond;
    }
    if (!(cond instanceof Boolean b)) {
      return error(
          c.condition().pos(), "the condition must be a bool, got " + Values.typeName(cond));
    }
    // Only the chosen branch is evaluated (so `x != null ? x.a : …` works); the other one is still
    // checked for unknown functions so a typo there does not wait for the condition to flip.
    checkFunctions(b ? c.whenFalse() : c.whenTrue());
    return evaluate(b ? c.whenTrue() : c.whenFalse());
  }

  private void checkFunctions(Expr e) {
    Exprs.walk(
        e,
        x -> {
          if (x instanceof Expr.Call c && functions.find(c.name()).isEmpty()) {
            unknownFunction(c);
          }
        });
  }

  private Object unary(Expr.Unary u) {
    Object v = evaluate(u.operand());
    if (v == Values.INVALID) {
      return v;
    }
    if (u.op().equals("!")) {
      if (v instanceof Boolean b) {
        return !b;
      }
      return error(u.pos(), "operator ! needs a bool, got " + Values.typeName(v));
    }
    if (v instanceof Long l) {
      return l == Long.MIN_VALUE ? -l.doubleValue() : (Object) (-l);
    }
    if (v instanceof Double d) {
      return -d;
    }
    return error(u.pos(), "operator - needs a number, got " + Values.typeName(v));
  }

  /**
   * A chain of operators ({@code a + b - c …}) is a tree leaning left; it is evaluated along that
   * left edge in a loop, so a long chain does not nest.
   */
  private Object binary(Expr.Binary b) {
    Deque<Expr.Binary> chain = new ArrayDeque<>();
    Expr e = b;
    while (e instanceof Expr.Binary x) {
      chain.push(x);
      e = x.left();
    }
    Object left = evaluate(e);
    while (!chain.isEmpty()) {
      Expr.Binary op = chain.pop();
      Object right = evaluate(op.right());
      left =
          left == Values.INVALID || right == Values.INVALID
              ? Values.INVALID
              : apply(op, left, right);
      if (exhausted) {
        return Values.INVALID;
      }
    }
    return left;
  }

  private Object apply(Expr.Binary b, Object l, Object r) {
    switch (b.op()) {
      case "==":
      case "!=":
        if (!charge(Math.min(size(l), size(r)), b.pos())) {
          return Values.INVALID;
        }
        return b.op().equals("==") == Values.equal(l, r);
      case "&&":
      case "||":
        if (!(l instanceof Boolean lb) || !(r instanceof Boolean rb)) {
          return error(
              b.pos(),
              "operator "
                  + b.op()
                  + " needs bools, got "
                  + Values.typeName(l)
                  + " and "
                  + Values.typeName(r));
        }
        return b.op().equals("&&") ? lb && rb : lb || rb;
      default:
        break;
    }
    if (!Values.isNumber(l) || !Values.isNumber(r)) {
      String hint =
          b.op().equals("+") && (l instanceof String || r instanceof String)
              ? " (to join strings write \"${a}${b}\")"
              : "";
      return error(
          b.pos(),
          "operator "
              + b.op()
              + " needs numbers, got "
              + Values.typeName(l)
              + " and "
              + Values.typeName(r)
              + hint);
    }
    double x = Values.toDouble(l);
    double y = Values.toDouble(r);
    boolean longs = l instanceof Long && r instanceof Long;
    Object result;
    switch (b.op()) {
      case "<":
        return x < y;
      case ">":
        return x > y;
      case "<=":
        return x <= y;
      case ">=":
        return x >= y;
      case "+":
        result =
            longs ? exact(() -> Math.addExact((Long) l, (Long) r), x + y) : Values.normalize(x + y);
        break;
      case "-":
        result =
            longs
                ? exact(() -> Math.subtractExact((Long) l, (Long) r), x - y)
                : Values.normalize(x - y);
        break;
      case "*":
        result =
            longs
                ? exact(() -> Math.multiplyExact((Long) l, (Long) r), x * y)
                : Values.normalize(x * y);
        break;
      case "/":
        if (y == 0) {
          return error(b.pos(), "division by zero");
        }
        if (longs && (Long) r != -1 && (Long) l % (Long) r == 0) {
          return (Long) l / (Long) r;
        }
        result = Values.normalize(x / y);
        break;
      case "%":
        if (y == 0) {
          return error(b.pos(), "modulo by zero");
        }
        result = longs ? (Object) ((Long) l % (Long) r) : Values.normalize(x % y);
        break;
      default:
        return error(b.pos(), "unknown operator " + b.op());
    }
    if (result instanceof Double d && (d.isInfinite() || d.isNaN())) {
      return error(b.pos(), "the result of " + b.op() + " is too large for a 64-bit number");
    }
    return result;
  }

  private static Object exact(java.util.function.LongSupplier op, double fallback) {
    try {
      return op.getAsLong();
    } catch (ArithmeticException overflow) {
      return Values.normalize(fallback);
    }
  }
}
