// Parses SQL text into statements: plain-literal INSERT ... VALUES by a hand-written recognizer
// (fast-insert.ts), statements differing from a parsed one only in literal values by copying its
// tree (literal-shapes.ts), everything else by ANTLR: SLL prediction first (fast), full LL only when SLL fails,
// a bounded cache keyed by text, and syntax errors as KodiakError 42601 with the offending
// token, line, column and 1-based position. Never lets an ANTLR exception escape.
import {
  BailErrorStrategy,
  BaseErrorListener,
  CommonTokenStream,
  DefaultErrorStrategy,
  type ATNSimulator,
  PredictionMode,
  type RecognitionException,
  type Recognizer,
  type Token,
} from "antlr4ng";
import { Utf16CharStream } from "./utf16-char-stream.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { KodiakLexer } from "../grammar/gen/KodiakLexer.js";
import { KodiakParser } from "../grammar/gen/KodiakParser.js";
import type { ParsedStatement } from "./ast.js";
import { AstBuilder } from "./build.js";
import { parseFastInsert } from "./fast-insert.js";
import { parseByShape, rememberShape } from "./literal-shapes.js";

/** Bound on cached scripts; least recently used entries are evicted. */
export const STATEMENT_CACHE_ENTRIES_MAX = 2048;
/** Scripts longer than this are not cached (they are rarely repeated and would pin memory). */
export const STATEMENT_CACHE_TEXT_CHARS_MAX = 16_384;
/** Longest statement text accepted (54000 beyond). */
export const STATEMENT_TEXT_CHARS_MAX = 16 * 1024 * 1024;

class SyntaxErrorListener extends BaseErrorListener {
  error: KodiakError | undefined;
  constructor(private readonly text: string) {
    super();
  }
  override syntaxError<S extends Token, T extends ATNSimulator>(
    _recognizer: Recognizer<T>,
    offendingSymbol: S | null,
    line: number,
    column: number,
    _msg: string,
    _e: RecognitionException | null,
  ): void {
    if (this.error) return;
    this.error = syntaxError(this.text, offendingSymbol, line, column);
  }
}

function syntaxError(text: string, tok: Token | null, line: number, column: number): KodiakError {
  if (!tok || tok.type === -1) {
    return new KodiakError(SqlState.syntaxError, `syntax error at end of input (line ${line}, column ${column + 1})`, {
      position: text.length + 1,
    });
  }
  const t = tok.text ?? "";
  if (tok.type === KodiakLexer.ERROR_CHAR && t === "'") {
    return new KodiakError(SqlState.syntaxError, `unterminated quoted string at or near "${text.slice(tok.start, tok.start + 20)}"`, {
      position: tok.start + 1,
    });
  }
  return new KodiakError(SqlState.syntaxError, `syntax error at or near "${t}" (line ${line}, column ${column + 1})`, {
    position: tok.start + 1,
  });
}

const cache = new Map<string, readonly ParsedStatement[]>();

/** Parses a script (one or more statements separated by `;`). Throws KodiakError only. */
export function parseSql(text: string): readonly ParsedStatement[] {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  if (text.length > STATEMENT_TEXT_CHARS_MAX) {
    throw new KodiakError(SqlState.programLimitExceeded, `statement text is longer than ${STATEMENT_TEXT_CHARS_MAX} characters`);
  }
  const cacheable = text.length <= STATEMENT_CACHE_TEXT_CHARS_MAX;
  let result = parseFastInsert(text) ?? (cacheable ? parseByShape(text) : undefined);
  if (result === undefined) {
    result = parseUncached(text);
    if (cacheable) rememberShape(text, result);
  }
  if (cacheable) {
    if (cache.size >= STATEMENT_CACHE_ENTRIES_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(text, result);
  }
  return result;
}

/** The grammar's parse, without the cache or the INSERT fast path (tests compare the two). */
export function parseWithGrammar(text: string): readonly ParsedStatement[] {
  return parseUncached(text);
}

function parseUncached(text: string): readonly ParsedStatement[] {
  const lexer = new KodiakLexer(new Utf16CharStream(text));
  lexer.removeErrorListeners();
  const tokens = new CommonTokenStream(lexer);
  const parser = new KodiakParser(tokens);
  parser.removeErrorListeners();
  // Stage 1: SLL, bail at the first error.
  parser.interpreter.predictionMode = PredictionMode.SLL;
  parser.errorHandler = new BailErrorStrategy();
  try {
    const tree = parser.script();
    return new AstBuilder(text).script(tree);
  } catch (e) {
    if (e instanceof KodiakError) throw e;
    if (e instanceof RangeError) throw tooComplex();
  }
  // Stage 2: full LL with error reporting.
  tokens.seek(0);
  parser.reset();
  const listener = new SyntaxErrorListener(text);
  parser.addErrorListener(listener);
  parser.errorHandler = new DefaultErrorStrategy();
  parser.interpreter.predictionMode = PredictionMode.LL;
  let tree: ReturnType<KodiakParser["script"]>;
  try {
    tree = parser.script();
  } catch (e) {
    if (e instanceof RangeError) throw tooComplex();
    throw listener.error ?? new KodiakError(SqlState.syntaxError, "syntax error");
  }
  if (listener.error) throw listener.error;
  try {
    return new AstBuilder(text).script(tree);
  } catch (e) {
    if (e instanceof KodiakError) throw e;
    if (e instanceof RangeError) throw tooComplex();
    throw new KodiakError(SqlState.syntaxError, "syntax error");
  }
}

function tooComplex(): KodiakError {
  return new KodiakError(SqlState.statementTooComplex, "statement is too complex (nesting too deep)");
}

/** Parses exactly one statement. */
export function parseStatement(text: string): ParsedStatement {
  const all = parseSql(text);
  if (all.length !== 1) {
    throw new KodiakError(
      SqlState.syntaxError,
      all.length === 0 ? "empty statement" : "cannot insert multiple commands into a prepared statement",
    );
  }
  return all[0];
}
