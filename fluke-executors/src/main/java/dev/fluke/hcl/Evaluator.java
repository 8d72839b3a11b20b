package dev.fluke.hcl;

import dev.fluke.hcl.Body.Attribute;
import dev.fluke.manifest.SourcePos;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Evaluates {@link Expr}s to plain values ({@link Values}): literals, templates, lists, maps,
 * operators, conditionals, function calls and {@code local.NAME} references. Locals are evaluated
 * lazily, once, with cycle detection, so they may refer to each other in any order and across
 * files.
 *
 * <p>Every problem is reported to {@link Diagnostics} at the position of the offending expression
 * and the value becomes {@link Values#INVALID}, which propagates without further errors.
 */
public final class Evaluator {
  private final HclFunctions functions;
  private final Diagnostics diags;
  private final Map<String, String> unavailable = new HashMap<>();
  private final Map<String, Attribute> locals = new LinkedHashMap<>();
  private final Map<String, Object> localValues = new HashMap<>();
  private final LinkedHashSet<String> evaluating = new LinkedHashSet<>();

  public Evaluator(HclFunctions functions, Diagnostics diags) {
    this.functions = functions;
    this.diags = diags;
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

  /** Evaluates every local, so that errors in unused locals are reported too. */
  public void evaluateLocals() {
    for (String name : List.copyOf(locals.keySet())) {
      local(name, locals.get(name).pos());
    }
  }

  public Object evaluate(Expr e) {
    if (e instanceof Expr.Literal lit) {
      return lit.value();
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
    } else {
      return Values.INVALID;
    }
  }

  private Object error(SourcePos pos, String message) {
    diags.error(pos, message);
    return Values.INVALID;
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
    evaluating.add(name);
    Object v = evaluate(def.value());
    evaluating.remove(name);
    localValues.put(name, v);
    return v;
  }

  private Object variable(Expr.Variable v) {
    if (v.name().equals("local")) {
      return error(v.pos(), "local must be followed by the name of a local value: local.NAME");
    }
    return error(
        v.pos(),
        "unknown variable \""
            + v.name()
            + "\": only local.NAME can be referenced"
            + " (for the string, write \""
            + v.name()
            + "\" in quotes)");
  }

  private Object getAttr(Expr.GetAttr g) {
    if (g.source() instanceof Expr.Variable v && v.name().equals("local")) {
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
      sb.append(s);
    }
    return invalid ? Values.INVALID : sb.toString();
  }

  private Object tuple(Expr.Tuple t) {
    List<Object> out = new ArrayList<>();
    boolean invalid = false;
    for (Expr item : t.items()) {
      Object v = evaluate(item);
      invalid |= v == Values.INVALID;
      out.add(v);
    }
    return invalid ? Values.INVALID : Collections.unmodifiableList(out);
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
      SourcePos first = keyPos.putIfAbsent(key, item.key().pos());
      if (first != null) {
        error(item.key().pos(), "duplicate key \"" + key + "\" in the map; first set at " + first);
        invalid = true;
        continue;
      }
      out.put(key, v);
    }
    return invalid ? Values.INVALID : Collections.unmodifiableMap(out);
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
    HclFunction.Args a =
        new HclFunction.Args(c.name(), Collections.unmodifiableList(args), positions);
    try {
      return f.impl().call(a);
    } catch (HclFunction.Failure failure) {
      SourcePos at =
          failure.argument() >= 0 && failure.argument() < args.size()
              ? a.pos(failure.argument())
              : c.pos();
      return error(at, failure.getMessage());
    }
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
    if (e instanceof Expr.Call c) {
      if (functions.find(c.name()).isEmpty()) {
        unknownFunction(c);
      }
      c.args().forEach(this::checkFunctions);
    } else if (e instanceof Expr.Template t) {
      t.parts().forEach(this::checkFunctions);
    } else if (e instanceof Expr.Tuple t) {
      t.items().forEach(this::checkFunctions);
    } else if (e instanceof Expr.ObjectCons o) {
      o.items()
          .forEach(
              item -> {
                checkFunctions(item.key());
                checkFunctions(item.value());
              });
    } else if (e instanceof Expr.GetAttr g) {
      checkFunctions(g.source());
    } else if (e instanceof Expr.Index ix) {
      checkFunctions(ix.source());
      checkFunctions(ix.key());
    } else if (e instanceof Expr.Conditional c) {
      checkFunctions(c.condition());
      checkFunctions(c.whenTrue());
      checkFunctions(c.whenFalse());
    } else if (e instanceof Expr.Binary b) {
      checkFunctions(b.left());
      checkFunctions(b.right());
    } else if (e instanceof Expr.Unary u) {
      checkFunctions(u.operand());
    }
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
      return -l;
    }
    if (v instanceof Double d) {
      return -d;
    }
    return error(u.pos(), "operator - needs a number, got " + Values.typeName(v));
  }

  private Object binary(Expr.Binary b) {
    Object l = evaluate(b.left());
    Object r = evaluate(b.right());
    if (l == Values.INVALID || r == Values.INVALID) {
      return Values.INVALID;
    }
    switch (b.op()) {
      case "==":
        return Values.equal(l, r);
      case "!=":
        return !Values.equal(l, r);
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
        return longs
            ? exact(() -> Math.addExact((Long) l, (Long) r), x + y)
            : Values.normalize(x + y);
      case "-":
        return longs
            ? exact(() -> Math.subtractExact((Long) l, (Long) r), x - y)
            : Values.normalize(x - y);
      case "*":
        return longs
            ? exact(() -> Math.multiplyExact((Long) l, (Long) r), x * y)
            : Values.normalize(x * y);
      case "/":
        if (y == 0) {
          return error(b.pos(), "division by zero");
        }
        if (longs && (Long) l % (Long) r == 0) {
          return (Long) l / (Long) r;
        }
        return x / y;
      case "%":
        if (y == 0) {
          return error(b.pos(), "modulo by zero");
        }
        return longs ? (Object) ((Long) l % (Long) r) : Values.normalize(x % y);
      default:
        return error(b.pos(), "unknown operator " + b.op());
    }
  }

  private static Object exact(java.util.function.LongSupplier op, double fallback) {
    try {
      return op.getAsLong();
    } catch (ArithmeticException overflow) {
      return fallback;
    }
  }
}
