package dev.fluke.hcl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/** Walks expression trees without recursion (a chain of operators may be very long). */
final class Exprs {
  private Exprs() {}

  /** The direct sub-expressions of {@code e}, in source order. */
  static List<Expr> children(Expr e) {
    List<Expr> out = new ArrayList<>();
    if (e instanceof Expr.Template t) {
      out.addAll(t.parts());
    } else if (e instanceof Expr.Tuple t) {
      out.addAll(t.items());
    } else if (e instanceof Expr.ObjectCons o) {
      for (Expr.ObjectItem item : o.items()) {
        out.add(item.key());
        out.add(item.value());
      }
    } else if (e instanceof Expr.GetAttr g) {
      out.add(g.source());
    } else if (e instanceof Expr.Index ix) {
      out.add(ix.source());
      out.add(ix.key());
    } else if (e instanceof Expr.Call c) {
      out.addAll(c.args());
    } else if (e instanceof Expr.Conditional c) {
      out.add(c.condition());
      out.add(c.whenTrue());
      out.add(c.whenFalse());
    } else if (e instanceof Expr.Binary b) {
      out.add(b.left());
      out.add(b.right());
    } else if (e instanceof Expr.Unary u) {
      out.add(u.operand());
    } else if (e instanceof Expr.For f) {
      out.add(f.collection());
      if (f.key() != null) {
        out.add(f.key());
      }
      out.add(f.value());
      if (f.condition() != null) {
        out.add(f.condition());
      }
    } else if (e instanceof Expr.Splat s) {
      out.add(s.source());
      out.add(s.each());
    } else if (e instanceof Expr.TemplateJoin j) {
      out.add(j.loop());
    }
    return out;
  }

  /** Calls {@code visit} for {@code root} and every expression under it, parents first. */
  static void walk(Expr root, Consumer<Expr> visit) {
    Deque<Expr> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Expr e = todo.pop();
      visit.accept(e);
      List<Expr> children = children(e);
      for (int i = children.size() - 1; i >= 0; i--) {
        todo.push(children.get(i));
      }
    }
  }
}
