// Parses text with the shared Kodiak grammar and returns the raw parse tree for the PL-Grizzly
// builder (SLL first, full LL on failure). Syntax errors are KodiakError 42601 with line and
// column; no ANTLR exception escapes.

import {
  BailErrorStrategy,
  BaseErrorListener,
  CommonTokenStream,
  DefaultErrorStrategy,
  PredictionMode,
  type ATNSimulator,
  type RecognitionException,
  type Recognizer,
  type Token,
} from "antlr4ng";
import { Utf16CharStream } from "../../parser/utf16-char-stream.js";
import { KodiakError, SqlState } from "../../../util/index.js";
import { KodiakLexer } from "../../grammar/gen/KodiakLexer.js";
import { KodiakParser, type ScriptContext } from "../../grammar/gen/KodiakParser.js";

class Listener extends BaseErrorListener {
  error: KodiakError | undefined;
  override syntaxError<S extends Token, T extends ATNSimulator>(
    _r: Recognizer<T>,
    tok: S | null,
    line: number,
    column: number,
    _msg: string,
    _e: RecognitionException | null,
  ): void {
    if (this.error !== undefined) return;
    const near = tok === null || tok.type === -1 ? "end of input" : `"${tok.text ?? ""}"`;
    this.error = new KodiakError(SqlState.syntaxError, `syntax error at or near ${near} (line ${line}, column ${column + 1})`, {
      position: tok === null || tok.type === -1 ? undefined : tok.start + 1,
    });
  }
}

export function parseTree(text: string): ScriptContext {
  const lexer = new KodiakLexer(new Utf16CharStream(text));
  lexer.removeErrorListeners();
  const tokens = new CommonTokenStream(lexer);
  const parser = new KodiakParser(tokens);
  parser.removeErrorListeners();
  parser.interpreter.predictionMode = PredictionMode.SLL;
  parser.errorHandler = new BailErrorStrategy();
  try {
    return parser.script();
  } catch (e) {
    if (e instanceof RangeError) throw tooComplex();
  }
  tokens.seek(0);
  parser.reset();
  const listener = new Listener();
  parser.addErrorListener(listener);
  parser.errorHandler = new DefaultErrorStrategy();
  parser.interpreter.predictionMode = PredictionMode.LL;
  let tree: ScriptContext;
  try {
    tree = parser.script();
  } catch (e) {
    if (e instanceof RangeError) throw tooComplex();
    throw listener.error ?? new KodiakError(SqlState.syntaxError, "syntax error");
  }
  if (listener.error !== undefined) throw listener.error;
  return tree;
}

function tooComplex(): KodiakError {
  return new KodiakError(SqlState.statementTooComplex, "statement is too complex (nesting too deep)");
}
