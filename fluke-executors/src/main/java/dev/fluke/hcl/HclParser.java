package dev.fluke.hcl;

import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.hcl.Body.Label;
import dev.fluke.hcl.Token.Kind;
import dev.fluke.manifest.SourcePos;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A strict recursive-descent parser for HCL native syntax, producing a positioned {@link Body} with
 * attributes and blocks in declaration order. It reports every syntax error to {@link Diagnostics}
 * and recovers at the end of the line (skipping balanced brackets), so one run finds all of a
 * file's errors. An attribute whose value does not parse keeps its name with an {@link
 * Expr.Invalid} value; a block with a skipped item, or without its closing brace, is marked {@link
 * Block#damaged()}.
 *
 * <p>Differences from HashiCorp HCL, on purpose: several attributes may share one line ({@code git
 * { url = "…" branch = "main" }}, as SPEC §2/§3 write them); for-expressions, splats and template
 * directives are rejected with an error saying so.
 */
public final class HclParser {
  /** Unwinds from a syntax error inside an expression to the attribute, which recovers. */
  private static final class ParseError extends RuntimeException {
    ParseError() {
      super(null, null, false, false);
    }
  }

  private final List<Token> tokens;
  private final Diagnostics diags;
  private int idx;

  /** Inside (), [] or {} of an expression newlines are insignificant. */
  private int nesting;

  /** Index of the token an expression failed at (the one peeked or just consumed). */
  private int failedAt;

  private HclParser(List<Token> tokens, Diagnostics diags, int nesting) {
    this.tokens = tokens;
    this.diags = diags;
    this.nesting = nesting;
  }

  /** Parses one file; every problem goes to {@code diags}, the body holds what could be read. */
  public static Body parse(String file, String content, Diagnostics diags) {
    HclParser p = new HclParser(HclLexer.tokenize(file, content, diags), diags, 0);
    List<BodyItem> items = p.parseBodyItems(null, null, new int[2]);
    return new Body(items, new SourcePos(file, 1, 1));
  }

  // ---- tokens

  private Token peekRaw() {
    return tokens.get(idx);
  }

  private Token peek() {
    if (nesting > 0) {
      while (tokens.get(idx).kind() == Kind.NEWLINE) {
        idx++;
      }
    }
    return tokens.get(idx);
  }

  private Token next() {
    Token t = peek();
    if (t.kind() != Kind.EOF) {
      idx++;
    }
    return t;
  }

  private ParseError fail(SourcePos pos, String message) {
    diags.error(pos, message);
    failedAt = idx;
    return new ParseError();
  }

  private static String lc(SourcePos p) {
    return p.line() + ":" + p.column();
  }

  // ---- bodies

  /**
   * Items up to the closing brace (not consumed) or the end of the file.
   *
   * @param state out: [0] = 1 when the block is unclosed, [1] = number of items skipped after
   *     errors
   */
  private List<BodyItem> parseBodyItems(Token open, String what, int[] state) {
    List<BodyItem> items = new ArrayList<>();
    while (true) {
      Token t = peekRaw();
      switch (t.kind()) {
        case NEWLINE -> idx++;
        case EOF -> {
          if (open != null) {
            diags.error(
                open.pos(),
                "unclosed block "
                    + what
                    + ": expected '}' to close the '{' opened here, found the end of the file");
            state[0] = 1;
          }
          return items;
        }
        case RBRACE -> {
          if (open != null) {
            return items;
          }
          diags.error(t.pos(), "unexpected '}': there is no open block to close here");
          idx++;
        }
        case IDENT -> {
          BodyItem item = parseItem(state);
          if (item != null) {
            items.add(item);
          }
        }
        case ILLEGAL -> {
          state[1]++;
          skipRest();
        }
        default -> {
          diags.error(t.pos(), "expected an attribute name or a block type, found " + t.describe());
          state[1]++;
          skipRest();
        }
      }
    }
  }

  private BodyItem parseItem(int[] state) {
    Token name = next();
    Token t = peekRaw();
    if (t.kind() == Kind.EQUALS) {
      idx++;
      return parseAttribute(name);
    }
    if (t.kind() == Kind.TEMPLATE || t.kind() == Kind.IDENT || t.kind() == Kind.LBRACE) {
      Block b = parseBlock(name);
      if (b == null) {
        state[1]++;
      }
      return b;
    }
    if (t.kind() != Kind.ILLEGAL) {
      String found = t.kind() == Kind.COLON ? "':' (attributes are set with '=')" : t.describe();
      diags.error(t.pos(), "expected '=' or a block after \"" + name.text() + "\", found " + found);
    }
    state[1]++;
    skipRest();
    return null;
  }

  private Attribute parseAttribute(Token name) {
    int valueStart = idx;
    failedAt = -1;
    SourcePos valuePos = peekRaw().pos();
    try {
      Expr value = parseExpression();
      Token end = peekRaw();
      switch (end.kind()) {
        case NEWLINE, EOF, RBRACE, IDENT -> {}
        default -> {
          if (end.kind() != Kind.ILLEGAL) {
            diags.error(
                end.pos(),
                "unexpected "
                    + end.describe()
                    + " after the value of \""
                    + name.text()
                    + "\": expected the end of the line");
          }
          skipRest();
        }
      }
      return new Attribute(name.text(), value, name.pos());
    } catch (ParseError e) {
      nesting = 0;
      int resume = resumePoint(valueStart);
      if (resume > 0) {
        idx = resume;
      } else {
        idx = valueStart;
        skipRest();
      }
      return new Attribute(name.text(), new Expr.Invalid(valuePos), name.pos());
    }
  }

  /**
   * After a failed value: when the failure is at the start of a later line that looks like the next
   * item ({@code name =}, a block, or the enclosing block's '}'), a closing bracket was most likely
   * forgotten: resume there rather than skip the following lines. Returns -1 otherwise.
   */
  private int resumePoint(int valueStart) {
    if (failedAt < 0) {
      return -1;
    }
    for (int k = Math.max(failedAt - 1, valueStart + 1); k <= failedAt && k < tokens.size(); k++) {
      if (tokens.get(k - 1).kind() != Kind.NEWLINE) {
        continue;
      }
      Token t = tokens.get(k);
      Kind after = k + 1 < tokens.size() ? tokens.get(k + 1).kind() : Kind.EOF;
      boolean item =
          t.kind() == Kind.IDENT
              && (after == Kind.EQUALS
                  || after == Kind.TEMPLATE
                  || after == Kind.LBRACE
                  || after == Kind.IDENT);
      if (item || t.kind() == Kind.RBRACE) {
        return k;
      }
    }
    return -1;
  }

  private Block parseBlock(Token type) {
    List<Label> labels = new ArrayList<>();
    boolean badLabel = false;
    while (true) {
      Token t = peekRaw();
      if (t.kind() == Kind.IDENT) {
        idx++;
        labels.add(new Label(t.text(), t.pos()));
      } else if (t.kind() == Kind.TEMPLATE) {
        idx++;
        String v = plainString(t);
        if (v == null) {
          if (!t.bad()) {
            diags.error(t.pos(), "a block label must be a plain string, without ${…}");
          }
          badLabel = true;
          v = "";
        }
        labels.add(new Label(v, t.pos()));
      } else {
        break;
      }
    }
    String what = describe(type.text(), labels);
    Token open = peekRaw();
    if (open.kind() != Kind.LBRACE) {
      if (open.kind() != Kind.ILLEGAL) {
        diags.error(
            open.pos(), "expected '{' to open block " + what + ", found " + open.describe());
      }
      skipRest();
      return null;
    }
    idx++;
    int[] state = new int[2];
    List<BodyItem> items = parseBodyItems(open, what, state);
    boolean unclosed = state[0] == 1;
    if (!unclosed) {
      idx++;
    }
    return new Block(
        type.text(),
        labels,
        new Body(items, open.pos()),
        type.pos(),
        unclosed || state[1] > 0 || badLabel);
  }

  private static String describe(String type, List<Label> labels) {
    StringBuilder sb = new StringBuilder(type);
    for (Label l : labels) {
      sb.append(" \"").append(l.value()).append('"');
    }
    return sb.toString();
  }

  /** The text of a template token without interpolations, or null. */
  private static String plainString(Token t) {
    if (t.bad()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (Token.Part part : t.parts()) {
      if (part instanceof Token.Literal lit) {
        sb.append(lit.text());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  /**
   * Skips to the end of the current line (not consumed), over balanced brackets. A '}' that closes
   * nothing opened here belongs to the enclosing block and is left in place.
   */
  private void skipRest() {
    Deque<Kind> open = new ArrayDeque<>();
    while (true) {
      Token t = peekRaw();
      switch (t.kind()) {
        case EOF -> {
          return;
        }
        case NEWLINE -> {
          if (open.isEmpty()) {
            return;
          }
        }
        case LBRACE, LBRACK, LPAREN -> open.push(t.kind());
        case RBRACE -> {
          if (!open.contains(Kind.LBRACE)) {
            return;
          }
          closeTo(open, Kind.LBRACE);
        }
        case RBRACK -> closeTo(open, Kind.LBRACK);
        case RPAREN -> closeTo(open, Kind.LPAREN);
        default -> {}
      }
      idx++;
    }
  }

  private static void closeTo(Deque<Kind> open, Kind kind) {
    if (open.contains(kind)) {
      while (open.pop() != kind) {
        // brackets left open inside are closed implicitly
      }
    }
  }

  // ---- expressions

  private Expr parseExpression() {
    Expr condition = parseBinary(1);
    Token q = peek();
    if (q.kind() != Kind.QUESTION) {
      return condition;
    }
    next();
    Expr whenTrue = parseExpression();
    Token colon = peek();
    if (colon.kind() != Kind.COLON) {
      throw fail(
          colon.pos(),
          "expected ':' in the conditional expression started at "
              + lc(condition.pos())
              + ", found "
              + colon.describe());
    }
    next();
    Expr whenFalse = parseExpression();
    return new Expr.Conditional(condition, whenTrue, whenFalse, condition.pos());
  }

  private static int precedence(Kind kind) {
    return switch (kind) {
      case OR -> 1;
      case AND -> 2;
      case EQEQ, NOTEQ -> 3;
      case LT, GT, LE, GE -> 4;
      case PLUS, MINUS -> 5;
      case STAR, SLASH, PERCENT -> 6;
      default -> -1;
    };
  }

  private Expr parseBinary(int minPrecedence) {
    Expr left = parseUnary();
    while (true) {
      Token op = peek();
      int prec = precedence(op.kind());
      if (prec < minPrecedence) {
        return left;
      }
      next();
      Expr right = parseBinary(prec + 1);
      left = new Expr.Binary(op.text(), left, right, op.pos());
    }
  }

  private Expr parseUnary() {
    Token t = peek();
    if (t.kind() == Kind.BANG || t.kind() == Kind.MINUS) {
      next();
      Expr operand = parseUnary();
      if (t.kind() == Kind.MINUS && operand instanceof Expr.Literal lit) {
        if (lit.value() instanceof Long l) {
          return new Expr.Literal(-l, t.pos());
        }
        if (lit.value() instanceof Double d) {
          return new Expr.Literal(-d, t.pos());
        }
      }
      return new Expr.Unary(t.text(), operand, t.pos());
    }
    return parsePostfix();
  }

  private Expr parsePostfix() {
    Expr e = parsePrimary();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.DOT) {
        next();
        Token n = next();
        if (n.kind() == Kind.IDENT) {
          e = new Expr.GetAttr(e, n.text(), n.pos());
        } else if (n.kind() == Kind.NUMBER && n.text().chars().allMatch(Character::isDigit)) {
          e = new Expr.Index(e, new Expr.Literal(parseNumber(n), n.pos()), n.pos());
        } else if (n.kind() == Kind.STAR) {
          throw fail(n.pos(), "splat expressions (.*) are not supported");
        } else {
          throw fail(n.pos(), "expected an attribute name after '.', found " + n.describe());
        }
      } else if (t.kind() == Kind.LBRACK) {
        next();
        nesting++;
        if (peek().kind() == Kind.STAR) {
          throw fail(peek().pos(), "splat expressions ([*]) are not supported");
        }
        Expr key = parseExpression();
        expectClose(Kind.RBRACK, "]", t);
        nesting--;
        e = new Expr.Index(e, key, t.pos());
      } else {
        return e;
      }
    }
  }

  private void expectClose(Kind kind, String closer, Token open) {
    Token t = peek();
    if (t.kind() != kind) {
      throw fail(
          t.pos(),
          "expected '"
              + closer
              + "' to close the '"
              + open.text()
              + "' at "
              + lc(open.pos())
              + ", found "
              + t.describe());
    }
    next();
  }

  private Expr parsePrimary() {
    Token t = next();
    switch (t.kind()) {
      case NUMBER:
        return new Expr.Literal(parseNumber(t), t.pos());
      case TEMPLATE:
        return template(t);
      case IDENT:
        switch (t.text()) {
          case "true":
            return new Expr.Literal(Boolean.TRUE, t.pos());
          case "false":
            return new Expr.Literal(Boolean.FALSE, t.pos());
          case "null":
            return new Expr.Literal(null, t.pos());
          default:
            if (peekRaw().kind() == Kind.LPAREN) {
              return call(t);
            }
            return new Expr.Variable(t.text(), t.pos());
        }
      case LPAREN:
        {
          nesting++;
          Expr e = parseExpression();
          expectClose(Kind.RPAREN, ")", t);
          nesting--;
          return e;
        }
      case LBRACK:
        return tuple(t);
      case LBRACE:
        return object(t);
      case ILLEGAL:
        throw new ParseError();
      default:
        throw fail(
            t.pos(),
            "expected a value (a string, number, bool, list, map, function call or"
                + " local.NAME), found "
                + t.describe());
    }
  }

  private Object parseNumber(Token t) {
    String s = t.text();
    try {
      if (s.contains(".") || s.contains("e") || s.contains("E")) {
        return Double.parseDouble(s);
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw fail(t.pos(), "number " + s + " is too large");
    }
  }

  private Expr template(Token t) {
    if (t.bad()) {
      return new Expr.Invalid(t.pos());
    }
    List<Expr> parts = new ArrayList<>();
    for (Token.Part part : t.parts()) {
      if (part instanceof Token.Literal lit) {
        parts.add(new Expr.Literal(lit.text(), lit.pos()));
      } else if (part instanceof Token.Interpolation interp) {
        HclParser sub = new HclParser(interp.tokens(), diags, 1);
        try {
          Expr e = sub.parseExpression();
          Token end = sub.peek();
          if (end.kind() != Kind.EOF) {
            throw sub.fail(
                end.pos(),
                "expected '}' to end the interpolation started at "
                    + lc(interp.pos())
                    + ", found "
                    + end.describe());
          }
          parts.add(e);
        } catch (ParseError e) {
          // The failure was inside the string: nothing to resume at on the outer lines.
          failedAt = -1;
          throw e;
        }
      }
    }
    return new Expr.Template(parts, t.pos());
  }

  private Expr call(Token name) {
    Token open = next();
    nesting++;
    List<Expr> args = new ArrayList<>();
    boolean expand = false;
    if (peek().kind() == Kind.RPAREN) {
      next();
    } else {
      while (true) {
        args.add(parseExpression());
        Token t = peek();
        if (t.kind() == Kind.ELLIPSIS) {
          next();
          expand = true;
          expectClose(Kind.RPAREN, ")", open);
          break;
        }
        if (t.kind() == Kind.COMMA) {
          next();
          if (peek().kind() == Kind.RPAREN) {
            next();
            break;
          }
          continue;
        }
        if (t.kind() == Kind.RPAREN) {
          next();
          break;
        }
        throw fail(
            t.pos(),
            "expected ',' or ')' in the call to "
                + name.text()
                + "( at "
                + lc(open.pos())
                + ", found "
                + t.describe());
      }
    }
    nesting--;
    return new Expr.Call(name.text(), args, expand, name.pos());
  }

  private Expr tuple(Token open) {
    nesting++;
    if (peek().kind() == Kind.IDENT && peek().text().equals("for")) {
      throw fail(peek().pos(), "for expressions are not supported");
    }
    List<Expr> items = new ArrayList<>();
    while (true) {
      if (peek().kind() == Kind.RBRACK) {
        next();
        break;
      }
      items.add(parseExpression());
      Token t = peek();
      if (t.kind() == Kind.COMMA) {
        next();
      } else if (t.kind() != Kind.RBRACK) {
        throw fail(
            t.pos(),
            "expected ',' or ']' in the list opened at "
                + lc(open.pos())
                + ", found "
                + t.describe());
      }
    }
    nesting--;
    return new Expr.Tuple(items, open.pos());
  }

  private Expr object(Token open) {
    nesting++;
    Token first = peek();
    if (first.kind() == Kind.IDENT && first.text().equals("for")) {
      Kind after = tokens.get(idx + 1).kind();
      if (after != Kind.EQUALS && after != Kind.COLON) {
        throw fail(first.pos(), "for expressions are not supported");
      }
    }
    List<Expr.ObjectItem> items = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.RBRACE) {
        next();
        break;
      }
      Expr key;
      switch (t.kind()) {
        case IDENT, NUMBER -> {
          next();
          key = new Expr.Literal(t.text(), t.pos());
        }
        case TEMPLATE -> {
          next();
          key = template(t);
        }
        case LPAREN -> {
          next();
          nesting++;
          key = parseExpression();
          expectClose(Kind.RPAREN, ")", t);
          nesting--;
        }
        case EOF ->
            throw fail(
                t.pos(),
                "expected '}' to close the map opened at "
                    + lc(open.pos())
                    + ", found "
                    + t.describe());
        default ->
            throw fail(
                t.pos(),
                "expected a key (a name or a quoted string) or '}' in the map opened at "
                    + lc(open.pos())
                    + ", found "
                    + t.describe());
      }
      Token eq = peek();
      if (eq.kind() != Kind.EQUALS && eq.kind() != Kind.COLON) {
        throw fail(
            eq.pos(),
            "expected '=' after the key "
                + keyText(key)
                + " in the map opened at "
                + lc(open.pos())
                + ", found "
                + eq.describe());
      }
      next();
      Expr value = parseExpression();
      items.add(new Expr.ObjectItem(key, value));
      if (peek().kind() == Kind.COMMA) {
        next();
      }
    }
    nesting--;
    return new Expr.ObjectCons(items, open.pos());
  }

  private static String keyText(Expr key) {
    return key instanceof Expr.Literal lit ? "\"" + lit.value() + "\"" : "";
  }
}
