package dev.fluke.hcl;

import java.util.List;

/**
 * One token of HCL native syntax. A quoted string or heredoc is a single {@link Kind#TEMPLATE}
 * token whose {@link #parts} are literal text and interpolations (each interpolation holding its
 * own tokens), so the parser never has to switch lexer modes.
 *
 * @param bad the lexer already reported a problem with this token (e.g. an unterminated string):
 *     the parser uses it but reports nothing more about it
 */
record Token(Kind kind, String text, SourcePos pos, List<Part> parts, boolean bad) {
  enum Kind {
    IDENT,
    NUMBER,
    TEMPLATE,
    LBRACE,
    RBRACE,
    LBRACK,
    RBRACK,
    LPAREN,
    RPAREN,
    EQUALS,
    COLON,
    COMMA,
    DOT,
    ELLIPSIS,
    QUESTION,
    FAT_ARROW,
    EQEQ,
    NOTEQ,
    LT,
    GT,
    LE,
    GE,
    AND,
    OR,
    BANG,
    PLUS,
    MINUS,
    STAR,
    SLASH,
    PERCENT,
    /** A character the lexer could not place; already reported. */
    ILLEGAL,
    NEWLINE,
    EOF
  }

  /**
   * A piece of a template: literal text, an interpolation {@code ${…}} or a directive {@code %{…}}.
   */
  sealed interface Part permits Literal, Interpolation {}

  record Literal(String text, SourcePos pos) implements Part {}

  /**
   * {@code ${…}} or, when {@code directive}, {@code %{…}}. {@code tokens} ends with an EOF token
   * placed at the closing brace.
   *
   * @param stripBefore written {@code ${~}: the whitespace at the end of the literal before goes
   * @param stripAfter written {@code ~}}: the whitespace at the start of the literal after goes
   * @param tooDeep nested deeper than the lexer goes: skipped, {@code tokens} is just EOF; the
   *     parser reports it (it reaches its own depth limit there or before)
   */
  record Interpolation(
      List<Token> tokens,
      SourcePos pos,
      boolean directive,
      boolean stripBefore,
      boolean stripAfter,
      boolean tooDeep)
      implements Part {}

  static Token of(Kind kind, String text, SourcePos pos) {
    return new Token(kind, text, pos, List.of(), false);
  }

  /**
   * How the token is named in error messages: {@code '}'}, {@code end of file}, {@code identifier
   * foo}.
   */
  String describe() {
    return switch (kind) {
      case IDENT -> "identifier " + text;
      case NUMBER -> "number " + text;
      case TEMPLATE -> "a string";
      case NEWLINE -> "end of line";
      case EOF -> "}".equals(text) ? "'}'" : "end of file";
      case ILLEGAL -> "'" + text + "'";
      default -> "'" + text + "'";
    };
  }
}
