package dev.fluke.hcl;

import dev.fluke.hcl.Body.Attribute;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.hcl.Body.Label;
import dev.fluke.hcl.Token.Kind;
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
 * <p>Nesting is bounded ({@link Limits#maxDepth()}): blocks in blocks, and expressions in
 * expressions (brackets, calls, parentheses, unary operators, conditionals, for expressions,
 * splats, interpolations, template directives). Past the limit the construct is an error at its
 * position and is skipped, so no input can exhaust the stack. A long chain of binary operators
 * ({@code 1 + 1 + … + 1}) is built without recursion and does not count.
 *
 * <p>Differences from HashiCorp HCL, on purpose: several attributes and blocks may share one line
 * ({@code git { url = "…" branch = "main" }}, as SPEC §2/§3 write them). See docs/manifest.md for
 * the full list.
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
  private final int maxDepth;
  private int idx;

  /** Inside (), [] or a for expression newlines are insignificant; in a map they separate items. */
  private boolean skipNewlines;

  /** Current nesting of blocks or of expressions (a template's interpolations continue it). */
  private int depth;

  /** Index of the token an expression failed at (the one peeked or just consumed). */
  private int failedAt;

  private HclParser(
      List<Token> tokens, Diagnostics diags, int maxDepth, boolean skipNewlines, int depth) {
    this.tokens = tokens;
    this.diags = diags;
    this.maxDepth = maxDepth;
    this.skipNewlines = skipNewlines;
    this.depth = depth;
  }

  /** Parses one file with the default limits. */
  public static Body parse(String file, String content, Diagnostics diags) {
    return parse(file, content, diags, Limits.DEFAULT);
  }

  /** Parses one file; every problem goes to {@code diags}, the body holds what could be read. */
  public static Body parse(String file, String content, Diagnostics diags, Limits limits) {
    HclParser p =
        new HclParser(
            HclLexer.tokenize(file, content, diags, limits.maxDepth()),
            diags,
            limits.maxDepth(),
            false,
            0);
    List<BodyItem> items = p.parseBodyItems(null, null, new int[2]);
    return new Body(items, new SourcePos(file, 1, 1));
  }

  // ---- tokens

  private Token peekRaw() {
    return tokens.get(idx);
  }

  private Token peek() {
    if (skipNewlines) {
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

  private boolean peekKeyword(String keyword) {
    Token t = peek();
    return t.kind() == Kind.IDENT && t.text().equals(keyword);
  }

  private ParseError fail(SourcePos pos, String message) {
    diags.error(pos, message);
    failedAt = idx;
    return new ParseError();
  }

  private static String lc(SourcePos p) {
    return p.line() + ":" + p.column();
  }

  private String tooDeep(String what) {
    return what
        + " nested too deeply: more than "
        + maxDepth
        + " levels (blocks, brackets, calls, operators, interpolations and directives count)";
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
    int depthBefore = depth;
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
      skipNewlines = false;
      depth = depthBefore;
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
            diags.error(t.pos(), "a block label must be a plain string, without ${…} or %{…}");
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
    if (depth >= maxDepth) {
      diags.error(type.pos(), tooDeep("block " + what));
      skipRest();
      return null;
    }
    idx++;
    depth++;
    int[] state = new int[2];
    List<BodyItem> items = parseBodyItems(open, what, state);
    depth--;
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

  /** The text of a template token without interpolations or directives, or null. */
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
   * nothing opened here belongs to the enclosing block and is left in place. Linear in the tokens
   * skipped, however deep the brackets.
   */
  private void skipRest() {
    Deque<Kind> open = new ArrayDeque<>();
    int[] counts = new int[3];
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
        case LBRACE, LBRACK, LPAREN -> {
          open.push(t.kind());
          counts[bracket(t.kind())]++;
        }
        case RBRACE -> {
          if (counts[0] == 0) {
            return;
          }
          closeTo(open, counts, Kind.LBRACE);
        }
        case RBRACK -> closeTo(open, counts, Kind.LBRACK);
        case RPAREN -> closeTo(open, counts, Kind.LPAREN);
        default -> {}
      }
      idx++;
    }
  }

  private static int bracket(Kind open) {
    return switch (open) {
      case LBRACE -> 0;
      case LBRACK -> 1;
      default -> 2;
    };
  }

  private static void closeTo(Deque<Kind> open, int[] counts, Kind kind) {
    if (counts[bracket(kind)] > 0) {
      Kind k;
      do {
        // brackets left open inside are closed implicitly
        k = open.pop();
        counts[bracket(k)]--;
      } while (k != kind);
    }
  }

  // ---- expressions

  private Expr parseExpression() {
    Token first = peek();
    if (++depth > maxDepth) {
      throw fail(first.pos(), tooDeep("expression"));
    }
    try {
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
    } finally {
      depth--;
    }
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

  /** Left-associative chains are built in a loop: their length does not add recursion. */
  private Expr parseBinary(int minPrecedence) {
    Expr left = parseUnary();
    while (true) {
      Token op = peek();
      int prec = precedence(op.kind());
      if (prec < minPrecedence) {
        return left;
      }
      next();
      Expr right = prec < 6 ? parseBinary(prec + 1) : parseUnary();
      left = new Expr.Binary(op.text(), left, right, op.pos());
    }
  }

  private Expr parseUnary() {
    Token t = peek();
    if (t.kind() == Kind.BANG || t.kind() == Kind.MINUS) {
      next();
      if (++depth > maxDepth) {
        throw fail(t.pos(), tooDeep("expression"));
      }
      Expr operand;
      try {
        operand = parseUnary();
      } finally {
        depth--;
      }
      if (t.kind() == Kind.MINUS && operand instanceof Expr.Literal lit) {
        if (lit.value() instanceof Long l && l != Long.MIN_VALUE) {
          return new Expr.Literal(-l, t.pos());
        }
        if (lit.value() instanceof Double d) {
          return new Expr.Literal(-d, t.pos());
        }
      }
      return new Expr.Unary(t.text(), operand, t.pos());
    }
    return traversals(parsePrimary());
  }

  /**
   * The traversal steps after a value: {@code .name}, {@code .0} (legacy index), {@code [key]},
   * {@code [*]} (a full splat: every step after it applies to each element) and {@code .*} (the
   * legacy splat: only the {@code .name} steps right after it apply to each element).
   */
  private Expr traversals(Expr e) {
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.DOT) {
        next();
        Token n = next();
        if (n.kind() == Kind.IDENT) {
          e = new Expr.GetAttr(e, n.text(), n.pos());
        } else if (n.kind() == Kind.NUMBER) {
          e = new Expr.Index(e, legacyIndex(n), n.pos());
        } else if (n.kind() == Kind.STAR) {
          e = attributeSplat(e, t);
        } else {
          throw fail(n.pos(), "expected an attribute name after '.', found " + n.describe());
        }
      } else if (t.kind() == Kind.LBRACK) {
        next();
        boolean saved = skipNewlines;
        skipNewlines = true;
        if (peek().kind() == Kind.STAR) {
          next();
          expectClose(Kind.RBRACK, "]", t);
          skipNewlines = saved;
          return fullSplat(e, t);
        }
        Expr key = parseExpression();
        expectClose(Kind.RBRACK, "]", t);
        skipNewlines = saved;
        e = new Expr.Index(e, key, t.pos());
      } else {
        return e;
      }
    }
  }

  private Expr legacyIndex(Token n) {
    if (!n.text().chars().allMatch(Character::isDigit)) {
      String[] parts = n.text().split("\\.", 2);
      throw fail(
          n.pos(),
          "expected an attribute name or a whole number after '.', found "
              + n.describe()
              + (parts.length == 2
                  ? " (to index twice write [" + parts[0] + "][" + parts[1] + "])"
                  : ""));
    }
    return new Expr.Literal(parseNumber(n), n.pos());
  }

  private Expr fullSplat(Expr source, Token open) {
    if (++depth > maxDepth) {
      throw fail(open.pos(), tooDeep("expression"));
    }
    try {
      Expr.SplatItem item = new Expr.SplatItem(open.pos());
      Expr each = traversals(item);
      return new Expr.Splat(source, item, each, open.pos());
    } finally {
      depth--;
    }
  }

  private Expr attributeSplat(Expr source, Token dot) {
    Expr.SplatItem item = new Expr.SplatItem(dot.pos());
    Expr each = item;
    while (peek().kind() == Kind.DOT) {
      next();
      Token n = next();
      if (n.kind() == Kind.IDENT) {
        each = new Expr.GetAttr(each, n.text(), n.pos());
      } else if (n.kind() == Kind.NUMBER) {
        each = new Expr.Index(each, legacyIndex(n), n.pos());
      } else if (n.kind() == Kind.STAR) {
        throw fail(n.pos(), "a splat (*) cannot follow another .* splat: write [*] instead");
      } else {
        throw fail(n.pos(), "expected an attribute name after '.', found " + n.describe());
      }
    }
    return new Expr.Splat(source, item, each, dot.pos());
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
          boolean saved = skipNewlines;
          skipNewlines = true;
          Expr e = parseExpression();
          expectClose(Kind.RPAREN, ")", t);
          skipNewlines = saved;
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
            "expected a value (a string, number, bool, list, map, function call, for expression"
                + " or local.NAME), found "
                + t.describe());
    }
  }

  private Object parseNumber(Token t) {
    String s = t.text();
    try {
      if (s.contains(".") || s.contains("e") || s.contains("E")) {
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) {
          throw fail(t.pos(), "number " + s + " is too large (numbers are 64-bit floating point)");
        }
        return Values.normalize(d);
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw fail(
          t.pos(),
          "number "
              + s
              + " is too large: whole numbers go from -9223372036854775808 to"
              + " 9223372036854775807");
    }
  }

  private Expr call(Token name) {
    Token open = next();
    boolean saved = skipNewlines;
    skipNewlines = true;
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
    skipNewlines = saved;
    return new Expr.Call(name.text(), args, expand, name.pos());
  }

  private Expr tuple(Token open) {
    boolean saved = skipNewlines;
    skipNewlines = true;
    if (peekKeyword("for")) {
      Expr f = forExpression(open, false);
      skipNewlines = saved;
      return f;
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
    skipNewlines = saved;
    return new Expr.Tuple(items, open.pos());
  }

  /**
   * {@code { key = value … }}: items are separated by a comma or a new line, as in HCL; inside the
   * braces new lines are significant (except inside brackets).
   */
  private Expr object(Token open) {
    boolean saved = skipNewlines;
    skipNewlines = true;
    if (peekKeyword("for")) {
      Expr f = forExpression(open, true);
      skipNewlines = saved;
      return f;
    }
    skipNewlines = false;
    List<Expr.ObjectItem> items = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.NEWLINE) {
        idx++;
        continue;
      }
      if (t.kind() == Kind.RBRACE) {
        next();
        break;
      }
      Expr key = objectKey(t, open);
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
      Token sep = peek();
      if (sep.kind() == Kind.COMMA) {
        next();
      } else if (sep.kind() == Kind.NEWLINE) {
        idx++;
      } else if (sep.kind() != Kind.RBRACE) {
        throw fail(
            sep.pos(),
            sep.kind() == Kind.EOF
                ? "expected '}' to close the map opened at "
                    + lc(open.pos())
                    + ", found the end of the file"
                : "expected ',' or a new line after the value of "
                    + keyText(key)
                    + " in the map opened at "
                    + lc(open.pos())
                    + ", found "
                    + sep.describe());
      }
    }
    skipNewlines = saved;
    return new Expr.ObjectCons(items, open.pos());
  }

  private Expr objectKey(Token t, Token open) {
    switch (t.kind()) {
      case IDENT -> {
        next();
        if (t.text().equals("null")) {
          return new Expr.Literal(null, t.pos());
        }
        return new Expr.Literal(t.text(), t.pos());
      }
      case NUMBER -> {
        next();
        return new Expr.Literal(parseNumber(t), t.pos());
      }
      case TEMPLATE -> {
        next();
        return template(t);
      }
      case LPAREN -> {
        next();
        boolean saved = skipNewlines;
        skipNewlines = true;
        Expr key = parseExpression();
        expectClose(Kind.RPAREN, ")", t);
        skipNewlines = saved;
        return key;
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
  }

  private static String keyText(Expr key) {
    return key instanceof Expr.Literal lit ? "\"" + lit.value() + "\"" : "";
  }

  /**
   * {@code [for k, v in coll : value if cond]} or {@code {for k, v in coll : key => value... if
   * cond}}, from the {@code for} keyword (peeked) to the closing bracket.
   */
  private Expr forExpression(Token open, boolean object) {
    Token forToken = next();
    if (++depth > maxDepth) {
      throw fail(forToken.pos(), tooDeep("expression"));
    }
    try {
      String where = "in the for expression at " + lc(open.pos());
      Token first = next();
      if (first.kind() != Kind.IDENT) {
        throw fail(
            first.pos(),
            "expected a variable name after 'for' " + where + ", found " + first.describe());
      }
      String keyVar = null;
      String valueVar = first.text();
      if (peek().kind() == Kind.COMMA) {
        next();
        Token second = next();
        if (second.kind() != Kind.IDENT) {
          throw fail(
              second.pos(),
              "expected the value's variable name after ',' "
                  + where
                  + ", found "
                  + second.describe());
        }
        keyVar = valueVar;
        valueVar = second.text();
      }
      Token in = next();
      if (in.kind() != Kind.IDENT || !in.text().equals("in")) {
        throw fail(
            in.pos(),
            "expected 'in' after the variable names " + where + ", found " + in.describe());
      }
      Expr collection = parseExpression();
      Token colon = next();
      if (colon.kind() != Kind.COLON) {
        throw fail(
            colon.pos(),
            "expected ':' after the collection " + where + ", found " + colon.describe());
      }
      Expr key = null;
      Expr value = parseExpression();
      Token arrow = peek();
      if (arrow.kind() == Kind.FAT_ARROW) {
        if (!object) {
          throw fail(
              arrow.pos(),
              "a list for expression has no key: write [for … : value], or {for … : key => value}"
                  + " for a map");
        }
        next();
        key = value;
        value = parseExpression();
      } else if (object) {
        throw fail(
            arrow.pos(),
            "expected '=>' after the key "
                + where
                + ": a map for expression is {for … : key => value}");
      }
      boolean group = false;
      Token ellipsis = peek();
      if (ellipsis.kind() == Kind.ELLIPSIS) {
        if (!object) {
          throw fail(
              ellipsis.pos(),
              "grouping with '...' works in a map for expression only: {for … : k => v...}");
        }
        next();
        group = true;
      }
      Expr condition = null;
      if (peekKeyword("if")) {
        next();
        condition = parseExpression();
      }
      Token close = peek();
      Kind closeKind = object ? Kind.RBRACE : Kind.RBRACK;
      if (close.kind() != closeKind) {
        throw fail(
            close.pos(),
            "expected '"
                + (object ? "}" : "]")
                + "' to end the for expression at "
                + lc(open.pos())
                + ", found "
                + close.describe());
      }
      next();
      return new Expr.For(keyVar, valueVar, collection, key, value, condition, group, open.pos());
    } finally {
      depth--;
    }
  }

  // ---- templates

  /** One piece of a template before directives are nested: text, a value or a directive. */
  private sealed interface Piece {}

  private record TextPiece(StringBuilder text, SourcePos pos) implements Piece {}

  private record ExprPiece(Expr expr) implements Piece {}

  private record IfPiece(Expr condition, SourcePos pos) implements Piece {}

  private record ForPiece(String keyVar, String valueVar, Expr collection, SourcePos pos)
      implements Piece {}

  /** {@code else}, {@code endif} or {@code endfor}. */
  private record EndPiece(String keyword, SourcePos pos) implements Piece {}

  private Expr template(Token t) {
    if (t.bad()) {
      return new Expr.Invalid(t.pos());
    }
    List<Piece> pieces = new ArrayList<>();
    boolean trimNext = false;
    for (Token.Part part : t.parts()) {
      if (part instanceof Token.Literal lit) {
        String text = trimNext ? stripLeading(lit.text()) : lit.text();
        pieces.add(new TextPiece(new StringBuilder(text), lit.pos()));
        trimNext = false;
      } else if (part instanceof Token.Interpolation seq) {
        if (seq.stripBefore()
            && !pieces.isEmpty()
            && pieces.get(pieces.size() - 1) instanceof TextPiece prev) {
          stripTrailing(prev.text());
        }
        trimNext = seq.stripAfter();
        if (seq.tooDeep()) {
          failedAt = -1;
          throw fail(seq.pos(), tooDeep("expression"));
        }
        try {
          pieces.add(seq.directive() ? directive(seq) : interpolation(seq));
        } catch (ParseError e) {
          // The failure was inside the string: nothing to resume at on the outer lines.
          failedAt = -1;
          throw e;
        }
      }
    }
    return nest(pieces, t);
  }

  private HclParser sub(Token.Interpolation seq) {
    return new HclParser(seq.tokens(), diags, maxDepth, true, depth + 1);
  }

  private Piece interpolation(Token.Interpolation seq) {
    HclParser sub = sub(seq);
    Expr e = sub.parseExpression();
    Token end = sub.peek();
    if (end.kind() != Kind.EOF) {
      throw sub.fail(
          end.pos(),
          "expected '}' to end the interpolation started at "
              + lc(seq.pos())
              + ", found "
              + end.describe());
    }
    return new ExprPiece(e);
  }

  private Piece directive(Token.Interpolation seq) {
    HclParser sub = sub(seq);
    Token keyword = sub.next();
    String word = keyword.kind() == Kind.IDENT ? keyword.text() : "";
    Piece piece;
    switch (word) {
      case "if" -> piece = new IfPiece(sub.parseExpression(), seq.pos());
      case "for" -> {
        Token first = sub.next();
        if (first.kind() != Kind.IDENT) {
          throw sub.fail(
              first.pos(), "expected a variable name after %{ for, found " + first.describe());
        }
        String keyVar = null;
        String valueVar = first.text();
        if (sub.peek().kind() == Kind.COMMA) {
          sub.next();
          Token second = sub.next();
          if (second.kind() != Kind.IDENT) {
            throw sub.fail(
                second.pos(),
                "expected the value's variable name after ',' in %{ for, found "
                    + second.describe());
          }
          keyVar = valueVar;
          valueVar = second.text();
        }
        Token in = sub.next();
        if (in.kind() != Kind.IDENT || !in.text().equals("in")) {
          throw sub.fail(
              in.pos(), "expected 'in' after the variable names in %{ for, found " + in.describe());
        }
        piece = new ForPiece(keyVar, valueVar, sub.parseExpression(), seq.pos());
      }
      case "else", "endif", "endfor" -> piece = new EndPiece(word, seq.pos());
      default ->
          throw sub.fail(
              keyword.pos(),
              "expected a template directive keyword (if, else, endif, for, endfor) after %{, found "
                  + keyword.describe()
                  + Names.suggest(word, List.of("if", "else", "endif", "for", "endfor"))
                  + "; write %%{ for a literal %{");
    }
    Token end = sub.peek();
    if (end.kind() != Kind.EOF) {
      throw sub.fail(
          end.pos(),
          "expected '}' to end the %{ "
              + word
              + " } directive started at "
              + lc(seq.pos())
              + ", found "
              + end.describe());
    }
    return piece;
  }

  /** An open {@code %{ if }} or {@code %{ for }} while nesting the pieces of a template. */
  private static final class Frame {
    final Piece open;
    final List<Expr> parts = new ArrayList<>();
    List<Expr> thenParts;

    Frame(Piece open) {
      this.open = open;
    }
  }

  /** Nests the directives' pieces (without recursion) into the template's expression. */
  private Expr nest(List<Piece> pieces, Token t) {
    Deque<Frame> open = new ArrayDeque<>();
    Frame root = new Frame(null);
    open.push(root);
    for (Piece piece : pieces) {
      Frame top = open.peek();
      if (piece instanceof TextPiece text) {
        if (text.text().length() > 0) {
          top.parts.add(new Expr.Literal(Values.nfc(text.text().toString()), text.pos()));
        }
      } else if (piece instanceof ExprPiece e) {
        top.parts.add(e.expr());
      } else if (piece instanceof IfPiece p) {
        openFrame(open, p, p.pos());
      } else if (piece instanceof ForPiece p) {
        openFrame(open, p, p.pos());
      } else {
        closeFrame(open, (EndPiece) piece);
      }
    }
    if (open.size() > 1) {
      Frame unclosed = open.peek();
      SourcePos at =
          unclosed.open instanceof IfPiece p ? p.pos() : ((ForPiece) unclosed.open).pos();
      String what = unclosed.open instanceof IfPiece ? "if" : "for";
      throw fail(
          at,
          "the %{ "
              + what
              + " } directive opened here has no %{ end"
              + what
              + " } before the end of the string");
    }
    return new Expr.Template(root.parts, t.pos());
  }

  private void openFrame(Deque<Frame> open, Piece piece, SourcePos pos) {
    if (depth + open.size() > maxDepth) {
      throw fail(pos, tooDeep("template directive"));
    }
    open.push(new Frame(piece));
  }

  private void closeFrame(Deque<Frame> open, EndPiece end) {
    Frame top = open.peek();
    String expected =
        top.open instanceof IfPiece
            ? (top.thenParts == null ? "else or endif" : "endif")
            : "endfor";
    boolean matches =
        switch (end.keyword()) {
          case "else" -> top.open instanceof IfPiece && top.thenParts == null;
          case "endif" -> top.open instanceof IfPiece;
          default -> top.open instanceof ForPiece;
        };
    if (!matches) {
      throw fail(
          end.pos(),
          top.open == null
              ? "unexpected %{ " + end.keyword() + " }: no %{ if } or %{ for } is open here"
              : "unexpected %{ "
                  + end.keyword()
                  + " }: expected %{ "
                  + expected
                  + " } for the directive at "
                  + lc(top.open instanceof IfPiece p ? p.pos() : ((ForPiece) top.open).pos()));
    }
    if (end.keyword().equals("else")) {
      top.thenParts = new ArrayList<>(top.parts);
      top.parts.clear();
      return;
    }
    open.pop();
    Frame parent = open.peek();
    if (top.open instanceof IfPiece p) {
      List<Expr> whenTrue = top.thenParts != null ? top.thenParts : top.parts;
      List<Expr> whenFalse = top.thenParts != null ? top.parts : List.of();
      parent.parts.add(
          new Expr.Conditional(
              p.condition(),
              new Expr.Template(whenTrue, p.pos()),
              new Expr.Template(whenFalse, end.pos()),
              p.pos()));
    } else {
      ForPiece f = (ForPiece) top.open;
      Expr.For loop =
          new Expr.For(
              f.keyVar(),
              f.valueVar(),
              f.collection(),
              null,
              new Expr.Template(top.parts, f.pos()),
              null,
              false,
              f.pos());
      parent.parts.add(new Expr.TemplateJoin(loop, f.pos()));
    }
  }

  /** Whitespace as HCL's strip markers see it (Go's {@code unicode.IsSpace}). */
  static boolean isSpace(int c) {
    return switch (c) {
      case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0 -> true;
      default ->
          c > 0xFF
              && switch (Character.getType(c)) {
                case Character.SPACE_SEPARATOR,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR ->
                    true;
                default -> false;
              };
    };
  }

  private static String stripLeading(String s) {
    int i = 0;
    while (i < s.length() && isSpace(s.charAt(i))) {
      i++;
    }
    return s.substring(i);
  }

  private static void stripTrailing(StringBuilder sb) {
    int end = sb.length();
    while (end > 0 && isSpace(sb.charAt(end - 1))) {
      end--;
    }
    sb.setLength(end);
  }
}
