// The lexer's input as UTF-16 code units. antlr4ng's CharStream.fromString decodes code points, but
// every offset the engine uses (error positions, slices of the statement text for literals and
// expression names) is a UTF-16 index into a JavaScript string; after a character above U+FFFF the
// two would disagree and slices would come out shifted. Lexing code units keeps them equal: such a
// character is two units in U+D800–U+DFFF, inside the lexer's non-ASCII sets, so it lexes as text.
import { type CharStream, type Interval, Token } from "antlr4ng";

export class Utf16CharStream implements CharStream {
  name = "";
  private position = 0;

  constructor(private readonly text: string) {}

  get index(): number {
    return this.position;
  }

  get size(): number {
    return this.text.length;
  }

  reset(): void {
    this.position = 0;
  }

  consume(): void {
    if (this.position >= this.text.length) throw new Error("cannot consume EOF");
    this.position++;
  }

  LA(offset: number): number {
    if (offset === 0) return 0;
    const pos = this.position + (offset < 0 ? offset : offset - 1);
    return pos < 0 || pos >= this.text.length ? Token.EOF : this.text.charCodeAt(pos);
  }

  mark(): number {
    return -1;
  }

  release(_marker: number): void {}

  seek(index: number): void {
    this.position = Math.min(Math.max(index, 0), this.text.length);
  }

  getTextFromRange(start: number, stop: number): string {
    return this.text.slice(start, stop + 1);
  }

  getTextFromInterval(interval: Interval): string {
    return this.text.slice(interval.start, interval.stop + 1);
  }

  getSourceName(): string {
    return this.name || "<unknown>";
  }

  toString(): string {
    return this.text;
  }
}
