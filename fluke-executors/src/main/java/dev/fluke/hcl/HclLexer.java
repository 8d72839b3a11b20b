package dev.fluke.hcl;

import dev.fluke.hcl.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits HCL native syntax into {@link Token}s with 1-based line and column positions. Quoted
 * strings and heredocs are lexed as templates right here (their interpolations recursively), so the
 * token list the parser sees is flat apart from those. Problems (unterminated strings, stray
 * characters, unclosed comments) are reported to {@link Diagnostics} and lexing goes on.
 *
 * <p>hcl4j's JFlex lexer builds its symbol tree directly from lexer actions and never exposes
 * tokens; it also swallows unclosed blocks and stray braces silently, hence this lexer (see
 * docs/manifest.md).
 */
final class HclLexer {
  private enum Mode {
    TOP,
    QUOTED_INTERPOLATION,
    HEREDOC_INTERPOLATION
  }

  private final String file;
  private final String src;
  private final Diagnostics diags;
  private final int maxDepth;
  private int i;
  private int line = 1;
  private int col = 1;
  private int limit;

  /**
   * Set by {@link #lexTokens} when it returns from an interpolation: was the closing brace found.
   */
  private boolean interpolationClosed;

  /** Set by {@link #lexTokens} when it returns from an interpolation closed by {@code ~}}. */
  private boolean interpolationStripAfter;

  private HclLexer(String file, String src, Diagnostics diags, int maxDepth) {
    this.file = file;
    this.src = src;
    this.diags = diags;
    this.maxDepth = maxDepth;
    this.limit = src.length();
  }

  /** The tokens of a whole file, ending with EOF. */
  static List<Token> tokenize(String file, String content, Diagnostics diags, int maxDepth) {
    String text = content.replace("\r\n", "\n");
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return new HclLexer(file, text, diags, maxDepth).lexTokens(Mode.TOP, null, 0);
  }

  private SourcePos pos() {
    return new SourcePos(file, line, col);
  }

  private char at(int ahead) {
    int j = i + ahead;
    return j < limit ? src.charAt(j) : '\0';
  }

  private void advance() {
    if (src.charAt(i) == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
    i++;
  }

  private void advance(int n) {
    for (int k = 0; k < n; k++) {
      advance();
    }
  }

  /**
   * Lexes tokens up to the end of input or, inside an interpolation, up to its closing brace
   * (consumed and turned into the EOF token of the interpolation's list).
   */
  private List<Token> lexTokens(Mode mode, SourcePos openPos, int depth) {
    List<Token> out = new ArrayList<>();
    int braces = 0;
    while (true) {
      skipBlanksAndComments();
      SourcePos p = pos();
      boolean endOfInterpolationLine =
          mode == Mode.QUOTED_INTERPOLATION && i < limit && src.charAt(i) == '\n';
      if (i >= limit || endOfInterpolationLine) {
        if (mode != Mode.TOP) {
          diags.error(
              openPos, "unclosed interpolation: expected '}' to close the '${' opened here");
          interpolationClosed = false;
        }
        out.add(Token.of(Kind.EOF, "", p));
        return out;
      }
      char c = src.charAt(i);
      switch (c) {
        case '\n' -> single(out, Kind.NEWLINE, "\\n", p);
        case '{' -> {
          braces++;
          single(out, Kind.LBRACE, "{", p);
        }
        case '}' -> {
          if (mode != Mode.TOP && braces == 0) {
            advance();
            out.add(Token.of(Kind.EOF, "}", p));
            interpolationClosed = true;
            interpolationStripAfter = false;
            return out;
          }
          braces--;
          single(out, Kind.RBRACE, "}", p);
        }
        case '~' -> {
          if (mode != Mode.TOP && braces == 0 && at(1) == '}') {
            advance(2);
            out.add(Token.of(Kind.EOF, "}", p));
            interpolationClosed = true;
            interpolationStripAfter = true;
            return out;
          }
          illegal(
              out,
              "unexpected character '~' (a strip marker goes right after ${ or %{, or"
                  + " right before the closing })",
              p);
        }
        case '[' -> single(out, Kind.LBRACK, "[", p);
        case ']' -> single(out, Kind.RBRACK, "]", p);
        case '(' -> single(out, Kind.LPAREN, "(", p);
        case ')' -> single(out, Kind.RPAREN, ")", p);
        case ':' -> single(out, Kind.COLON, ":", p);
        case ',' -> single(out, Kind.COMMA, ",", p);
        case '?' -> single(out, Kind.QUESTION, "?", p);
        case '+' -> single(out, Kind.PLUS, "+", p);
        case '-' -> single(out, Kind.MINUS, "-", p);
        case '*' -> single(out, Kind.STAR, "*", p);
        case '/' -> single(out, Kind.SLASH, "/", p);
        case '%' -> single(out, Kind.PERCENT, "%", p);
        // In "${…" a quote left open at the end of the line was most likely meant to close the
        // outer
        // string: the unclosed interpolation is the one error reported then.
        case '"' -> out.add(quoted(mode == Mode.QUOTED_INTERPOLATION, depth));
        case '=' -> {
          if (at(1) == '=') {
            pair(out, Kind.EQEQ, "==", p);
          } else if (at(1) == '>') {
            pair(out, Kind.FAT_ARROW, "=>", p);
          } else {
            single(out, Kind.EQUALS, "=", p);
          }
        }
        case '!' -> {
          if (at(1) == '=') {
            pair(out, Kind.NOTEQ, "!=", p);
          } else {
            single(out, Kind.BANG, "!", p);
          }
        }
        case '<' -> {
          if (at(1) == '<') {
            out.add(heredoc(depth));
          } else if (at(1) == '=') {
            pair(out, Kind.LE, "<=", p);
          } else {
            single(out, Kind.LT, "<", p);
          }
        }
        case '>' -> {
          if (at(1) == '=') {
            pair(out, Kind.GE, ">=", p);
          } else {
            single(out, Kind.GT, ">", p);
          }
        }
        case '&' -> {
          if (at(1) == '&') {
            pair(out, Kind.AND, "&&", p);
          } else {
            illegal(out, "unexpected character '&' (did you mean '&&'?)", p);
          }
        }
        case '|' -> {
          if (at(1) == '|') {
            pair(out, Kind.OR, "||", p);
          } else {
            illegal(out, "unexpected character '|' (did you mean '||'?)", p);
          }
        }
        case '.' -> {
          if (at(1) == '.' && at(2) == '.') {
            advance(3);
            out.add(Token.of(Kind.ELLIPSIS, "...", p));
          } else {
            single(out, Kind.DOT, ".", p);
          }
        }
        default -> {
          if (Character.isDigit(c)) {
            out.add(number());
          } else if (isIdentStart(c)) {
            out.add(ident());
          } else if (c == '\'') {
            illegal(out, "unexpected character ''': strings are written in double quotes \"…\"", p);
          } else {
            illegal(
                out,
                "unexpected character '" + new String(Character.toChars(src.codePointAt(i))) + "'",
                p);
          }
        }
      }
    }
  }

  private void single(List<Token> out, Kind kind, String text, SourcePos p) {
    advance();
    out.add(Token.of(kind, text, p));
  }

  private void pair(List<Token> out, Kind kind, String text, SourcePos p) {
    advance(2);
    out.add(Token.of(kind, text, p));
  }

  private void illegal(List<Token> out, String message, SourcePos p) {
    diags.error(p, message);
    String text = new String(Character.toChars(src.codePointAt(i)));
    advance(text.length());
    out.add(new Token(Kind.ILLEGAL, text, p, List.of(), true));
  }

  private void skipBlanksAndComments() {
    while (i < limit) {
      char c = src.charAt(i);
      if (c == ' ' || c == '\t' || c == '\r') {
        advance();
      } else if (c == '#' || (c == '/' && at(1) == '/')) {
        while (i < limit && src.charAt(i) != '\n') {
          advance();
        }
      } else if (c == '/' && at(1) == '*') {
        SourcePos p = pos();
        advance(2);
        while (i < limit && !(src.charAt(i) == '*' && at(1) == '/')) {
          advance();
        }
        if (i >= limit) {
          diags.error(p, "unclosed comment: expected '*/' to end the comment opened here");
        } else {
          advance(2);
        }
      } else {
        return;
      }
    }
  }

  private static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-';
  }

  private Token ident() {
    SourcePos p = pos();
    int start = i;
    while (i < limit && isIdentPart(src.charAt(i))) {
      advance();
    }
    return Token.of(Kind.IDENT, src.substring(start, i), p);
  }

  private Token number() {
    SourcePos p = pos();
    int start = i;
    while (i < limit && Character.isDigit(src.charAt(i))) {
      advance();
    }
    if (at(0) == '.' && Character.isDigit(at(1))) {
      advance();
      while (i < limit && Character.isDigit(src.charAt(i))) {
        advance();
      }
    }
    if ((at(0) == 'e' || at(0) == 'E')
        && (Character.isDigit(at(1))
            || ((at(1) == '+' || at(1) == '-') && Character.isDigit(at(2))))) {
      advance(2);
      while (i < limit && Character.isDigit(src.charAt(i))) {
        advance();
      }
    }
    return Token.of(Kind.NUMBER, src.substring(start, i), p);
  }

  private Token quoted(boolean quietAtEndOfLine, int depth) {
    SourcePos p = pos();
    advance();
    boolean[] bad = {false};
    List<Token.Part> parts = lexTemplate(true, p, 0, bad, quietAtEndOfLine, depth);
    return new Token(Kind.TEMPLATE, "\"", p, parts, bad[0]);
  }

  /**
   * {@code <<EOF} or {@code <<-EOF} (indented: the indentation common to all non-blank lines is
   * removed). The value runs from the line after the marker up to, not including, the line holding
   * only the marker, and keeps its final newline, as in HCL.
   */
  private Token heredoc(int depth) {
    SourcePos p = pos();
    advance(2);
    boolean indented = false;
    if (at(0) == '-') {
      indented = true;
      advance();
    }
    if (!isIdentStart(at(0))) {
      diags.error(p, "expected a heredoc marker after '<<', e.g. <<EOF");
      return new Token(Kind.ILLEGAL, "<<", p, List.of(), true);
    }
    String marker = ident().text();
    while (at(0) == ' ' || at(0) == '\t' || at(0) == '\r') {
      advance();
    }
    if (i < limit && src.charAt(i) != '\n') {
      diags.error(pos(), "expected a new line after the heredoc marker <<" + marker);
      return new Token(Kind.ILLEGAL, "<<" + marker, p, List.of(), true);
    }
    if (i < limit) {
      advance();
    }
    int contentStart = i;
    int closeStart = -1;
    int closeEnd = -1;
    for (int j = contentStart; j < limit; ) {
      int eol = src.indexOf('\n', j);
      if (eol < 0 || eol > limit) {
        eol = limit;
      }
      if (src.substring(j, eol).strip().equals(marker)) {
        closeStart = j;
        closeEnd = eol;
        break;
      }
      j = eol + 1;
    }
    boolean[] bad = {false};
    if (closeStart < 0) {
      diags.error(p, "unclosed heredoc: no line holding only the closing marker " + marker);
      bad[0] = true;
      closeStart = limit;
      closeEnd = limit;
    }
    int strip = indented ? commonIndent(contentStart, closeStart) : 0;
    int savedLimit = limit;
    limit = closeStart;
    List<Token.Part> parts = lexTemplate(false, p, strip, bad, false, depth);
    limit = savedLimit;
    while (i < closeEnd) {
      advance();
    }
    return new Token(Kind.TEMPLATE, "<<" + marker, p, parts, bad[0]);
  }

  private int commonIndent(int from, int to) {
    int min = Integer.MAX_VALUE;
    for (String ln : src.substring(from, to).split("\n", -1)) {
      if (ln.isBlank()) {
        continue;
      }
      int n = 0;
      while (n < ln.length() && (ln.charAt(n) == ' ' || ln.charAt(n) == '\t')) {
        n++;
      }
      min = Math.min(min, n);
    }
    return min == Integer.MAX_VALUE ? 0 : min;
  }

  /**
   * The parts of a template, from just after its opening quote (quoted) or from the first content line
   * (heredoc, bounded by {@link #limit}). Quoted templates process backslash escapes and end at the
   * closing quote; both forms process {@code ${…}}, {@code $${} and {@code %%{}.
   */
  private List<Token.Part> lexTemplate(
      boolean quoted,
      SourcePos openPos,
      int strip,
      boolean[] bad,
      boolean quietAtEndOfLine,
      int depth) {
    List<Token.Part> parts = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    SourcePos[] litPos = {null};
    boolean lineStart = !quoted;
    while (true) {
      if (lineStart) {
        for (int n = 0;
            n < strip && i < limit && (src.charAt(i) == ' ' || src.charAt(i) == '\t');
            n++) {
          advance();
        }
        lineStart = false;
      }
      if (i >= limit) {
        if (quoted) {
          diags.error(openPos, "unterminated string: expected a closing '\"'");
          bad[0] = true;
        }
        break;
      }
      char c = src.charAt(i);
      if (quoted && c == '"') {
        advance();
        break;
      }
      if (quoted && c == '\n') {
        if (!quietAtEndOfLine) {
          diags.error(
              openPos,
              "unterminated string: a quoted string must end on the line it starts"
                  + " (use a heredoc <<EOF for text of several lines)");
        }
        bad[0] = true;
        break;
      }
      if (litPos[0] == null) {
        litPos[0] = pos();
      }
      if (quoted && c == '\\') {
        if (!escape(sb)) {
          bad[0] = true;
        }
      } else if (c == '$' && at(1) == '$' && at(2) == '{') {
        sb.append("${");
        advance(3);
      } else if (c == '%' && at(1) == '%' && at(2) == '{') {
        sb.append("%{");
        advance(3);
      } else if ((c == '$' || c == '%') && at(1) == '{') {
        flush(parts, sb, litPos);
        SourcePos ip = pos();
        boolean directive = c == '%';
        advance(2);
        boolean stripBefore = false;
        if (at(0) == '~') {
          stripBefore = true;
          advance();
        }
        if (depth >= maxDepth) {
          if (!skipSequence(quoted)) {
            // The string's line ended inside the skipped part: the string is broken here.
            diags.error(
                ip,
                "nested too deeply: more than "
                    + maxDepth
                    + " levels of strings and interpolations inside one another");
            bad[0] = true;
            if (quoted) {
              break;
            }
            continue;
          }
          parts.add(
              new Token.Interpolation(
                  List.of(Token.of(Kind.EOF, "}", ip)), ip, directive, false, false, true));
          continue;
        }
        List<Token> tokens =
            lexTokens(
                quoted ? Mode.QUOTED_INTERPOLATION : Mode.HEREDOC_INTERPOLATION, ip, depth + 1);
        parts.add(
            new Token.Interpolation(
                tokens,
                ip,
                directive,
                stripBefore,
                interpolationClosed && interpolationStripAfter,
                false));
        if (!interpolationClosed) {
          bad[0] = true;
          if (quoted) {
            // The line ended inside "${…": the string is broken too, but one error is enough.
            break;
          }
        }
      } else {
        sb.append(c);
        advance();
        if (c == '\n') {
          lineStart = true;
          if (!quoted) {
            // One literal per heredoc line, as HCL has it: a strip marker (~) trims the whitespace
            // of the literal next to it only, so it never reaches past the end of a line.
            flush(parts, sb, litPos);
          }
        }
      }
    }
    flush(parts, sb, litPos);
    return parts;
  }

  /**
   * Skips an interpolation or directive nested too deeply (already reported), from just after its
   * {@code ${}, without recursion: nested strings and sequences are tracked on a small stack.
   * Returns false when a quoted string's line ended inside it (the string ends there too).
   */
  private boolean skipSequence(boolean quoted) {
    // Each frame: [0] = 1 for code (inside ${…}), 0 for a quoted string; [1] = open braces in code;
    // [2] = 1 when a new line ends the frame (code inside a quoted string).
    ArrayDeque<int[]> stack = new ArrayDeque<>();
    stack.push(new int[] {1, 0, quoted ? 1 : 0});
    while (i < limit && !stack.isEmpty()) {
      int[] top = stack.peek();
      char c = src.charAt(i);
      if (top[0] == 1) {
        if (c == '\n' && top[2] == 1) {
          return false;
        } else if (c == '"') {
          stack.push(new int[] {0, 0, 1});
        } else if (c == '{') {
          top[1]++;
        } else if (c == '}') {
          if (top[1] == 0) {
            stack.pop();
          } else {
            top[1]--;
          }
        }
        advance();
      } else {
        if (c == '\n') {
          return false;
        } else if (c == '\\' && at(1) != '\n') {
          advance();
        } else if (c == '"') {
          stack.pop();
        } else if ((c == '$' || c == '%') && at(1) == '{') {
          advance();
          stack.push(new int[] {1, 0, 1});
        }
        advance();
      }
    }
    return stack.isEmpty();
  }

  private static void flush(List<Token.Part> parts, StringBuilder sb, SourcePos[] litPos) {
    if (sb.length() > 0) {
      parts.add(new Token.Literal(sb.toString(), litPos[0]));
    }
    sb.setLength(0);
    litPos[0] = null;
  }

  /** One backslash escape of a quoted string; false (reported) when it is not a valid one. */
  private boolean escape(StringBuilder sb) {
    SourcePos p = pos();
    advance();
    char e = at(0);
    if (i >= limit || e == '\n') {
      diags.error(p, "unfinished escape sequence at the end of the line");
      return false;
    }
    switch (e) {
      case 'n' -> sb.append('\n');
      case 'r' -> sb.append('\r');
      case 't' -> sb.append('\t');
      case '"' -> sb.append('"');
      case '\\' -> sb.append('\\');
      case 'u', 'U' -> {
        int digits = e == 'u' ? 4 : 8;
        advance();
        int start = i;
        while (i < limit && i - start < digits && Character.digit(src.charAt(i), 16) >= 0) {
          advance();
        }
        if (i - start != digits) {
          diags.error(
              p, "invalid escape sequence: \\" + e + " needs " + digits + " hexadecimal digits");
          return false;
        }
        int cp = (int) Long.parseLong(src.substring(start, i), 16);
        if (!Character.isValidCodePoint(cp)) {
          diags.error(
              p,
              "invalid escape sequence: \\"
                  + e
                  + src.substring(start, i)
                  + " is not a Unicode character");
          return false;
        }
        sb.appendCodePoint(cp);
        return true;
      }
      default -> {
        diags.error(
            p,
            "invalid escape sequence \\"
                + e
                + ": expected one of \\n \\r \\t \\\" \\\\ \\uNNNN \\UNNNNNNNN");
        advance();
        return false;
      }
    }
    advance();
    return true;
  }
}
