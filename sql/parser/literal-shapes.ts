// Statements that differ only in their literal values (`... WHERE id = 17`, `... WHERE id = 42`)
// parse to the same tree with different literal nodes. This cache keys parsed statements by their
// "shape" (the text with every plain number and 'string' literal replaced by a class marker) and
// builds the AST for a new text by copying the cached one with the new literal values and shifted
// positions, instead of running ANTLR again (~0.3 ms per short statement).
//
// A shape is used only when it is provably safe: the template's literal nodes sit exactly at the
// literal tokens' offsets with exactly their values, and the statement is a query or DML without
// PL-Grizzly nodes (which keep source text). Any literal token that is not one literal node
// (type modifiers such as VARCHAR(10), `-1` folded into one literal, string continuation) marks
// the shape unusable and such texts keep going through the grammar.
import type { LiteralValue, ParsedStatement } from "./ast.js";

/** Bound on cached shapes; the oldest entry is evicted first. */
export const LITERAL_SHAPES_MAX = 1024;

const INT = "\u0001";
const NUM = "\u0002";
const STR = "\u0003";

interface Slot {
  readonly start: number;
  readonly end: number;
  readonly value: LiteralValue;
}

interface Template {
  readonly parsed: readonly ParsedStatement[];
  readonly slots: readonly Slot[];
}

const isIdentChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 0x80;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** The shape and literal slots of a text, or undefined when the text has anything this scanner does not model. */
export function literalShape(text: string): { shape: string; slots: Slot[] } | undefined {
  const slots: Slot[] = [];
  let shape = "";
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 36 || c === 123 || c === 92) return undefined; // $ (params, dollar quotes), { (PL), backslash
    if ((c === 45 && text.charCodeAt(i + 1) === 45) || (c === 47 && text.charCodeAt(i + 1) === 42)) return undefined; // comments
    if (c === 34) {
      // "quoted identifier": verbatim
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return undefined;
        if (text.charCodeAt(q + 1) === 34) {
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      continue;
    }
    if (c === 39) {
      if (i > 0 && isIdentChar(text.charCodeAt(i - 1))) return undefined; // E'', B'', X'', U&'' and the like
      let j = i + 1;
      let quoted = false;
      let end: number;
      for (;;) {
        const q = text.indexOf("'", j);
        if (q < 0) return undefined;
        if (text.charCodeAt(q + 1) === 39) {
          quoted = true;
          j = q + 2;
          continue;
        }
        end = q + 1;
        break;
      }
      const body = text.slice(i + 1, end - 1);
      shape += text.slice(copied, i) + STR;
      slots.push({ start: i, end, value: { type: "string", text: quoted ? body.replace(/''/g, "'") : body } });
      i = end;
      copied = end;
      continue;
    }
    if (isIdentChar(c) && !isDigit(c)) {
      i++;
      while (i < n && isIdentChar(text.charCodeAt(i))) i++;
      continue;
    }
    if (isDigit(c)) {
      if (i > 0 && text.charCodeAt(i - 1) === 46) return undefined; // .5
      let j = i + 1;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      let type: "int" | "numeric" = "int";
      if (text.charCodeAt(j) === 46) {
        const f = j + 1;
        j = f;
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        if (j === f) return undefined; // 1.
        type = "numeric";
      }
      if (j < n && (isIdentChar(text.charCodeAt(j)) || text.charCodeAt(j) === 46)) return undefined; // 1e5, 1_000, 1.2.3
      shape += text.slice(copied, i) + (type === "int" ? INT : NUM);
      slots.push({ start: i, end: j, value: { type, text: text.slice(i, j) } });
      i = j;
      copied = j;
      continue;
    }
    i++;
  }
  if (slots.length === 0) return undefined;
  return { shape: shape + text.slice(copied), slots };
}

const templates = new Map<string, Template | null>();

/** Statements built here: their templates had no PL-Grizzly node, so neither do they. */
const built = new WeakSet<object>();

export function builtFromShape(statement: object): boolean {
  return built.has(statement);
}

const SHAPED_KINDS = new Set(["query", "insert", "update", "delete"]);

/** Literal nodes of a tree by position; undefined when some literal position repeats or a PL node is present. */
function literalNodes(x: unknown, out: Map<number, LiteralValue>): boolean {
  if (x === null || typeof x !== "object") return true;
  if (Array.isArray(x)) {
    for (const y of x) if (!literalNodes(y, out)) return false;
    return true;
  }
  const node = x as { kind?: unknown; pos?: unknown; value?: unknown };
  if (node.kind === "pl") return false;
  if (node.kind === "literal" && typeof node.pos === "number") {
    if (out.has(node.pos)) return false;
    out.set(node.pos, node.value as LiteralValue);
    return true;
  }
  for (const v of Object.values(node)) if (typeof v === "object" && !literalNodes(v, out)) return false;
  return true;
}

function sameLiteral(a: LiteralValue, b: LiteralValue): boolean {
  return a.type === b.type && "text" in a && "text" in b && a.text === b.text;
}

/** Whether `parsed` (the grammar's result for a text with these slots) can serve as a template. */
function usableTemplate(parsed: readonly ParsedStatement[], slots: readonly Slot[]): boolean {
  if (parsed.length !== 1 || !SHAPED_KINDS.has(parsed[0].statement.kind)) return false;
  const lits = new Map<number, LiteralValue>();
  if (!literalNodes(parsed[0].statement, lits)) return false;
  for (const s of slots) {
    const v = lits.get(s.start);
    if (v === undefined || !sameLiteral(v, s.value)) return false;
  }
  return true;
}

/** Records the grammar's parse of a text as the template of its shape (or marks the shape unusable). */
export function rememberShape(text: string, parsed: readonly ParsedStatement[]): void {
  const s = literalShape(text);
  if (s === undefined || templates.has(s.shape)) return;
  if (templates.size >= LITERAL_SHAPES_MAX) templates.delete(templates.keys().next().value as string);
  templates.set(s.shape, usableTemplate(parsed, s.slots) ? { parsed, slots: s.slots } : null);
}

/** The statements of `text` built from the template of its shape, or undefined when there is none. */
export function parseByShape(text: string): readonly ParsedStatement[] | undefined {
  const s = literalShape(text);
  if (s === undefined) return undefined;
  const t = templates.get(s.shape);
  if (t === undefined || t === null || t.slots.length !== s.slots.length) return undefined;
  const oldSlots = t.slots;
  const newSlots = s.slots;
  const bySlotStart = new Map<number, number>();
  for (let k = 0; k < oldSlots.length; k++) bySlotStart.set(oldSlots[k].start, k);
  // Offsets map through the slots: each earlier slot shifts later text by its change in length.
  const mapPos = (p: number): number => {
    let delta = 0;
    for (let k = 0; k < oldSlots.length; k++) {
      const o = oldSlots[k];
      if (p < o.start) break;
      if (p < o.end) return newSlots[k].start + (p - o.start);
      delta = newSlots[k].end - o.end;
    }
    return p + delta;
  };
  const copy = (x: unknown): unknown => {
    if (x === null || typeof x !== "object") return x;
    if (Array.isArray(x)) return x.map(copy);
    const src = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src)) {
      const v = src[key];
      out[key] = key === "pos" && typeof v === "number" ? mapPos(v) : copy(v);
    }
    if (src.kind === "literal" && typeof src.pos === "number") {
      const k = bySlotStart.get(src.pos);
      if (k !== undefined) out.value = newSlots[k].value;
    }
    return out;
  };
  const p = t.parsed[0];
  const start = mapPos(p.start);
  const end = mapPos(p.end);
  const statement = copy(p.statement) as ParsedStatement["statement"];
  built.add(statement);
  return [{ statement, start, end, text: text.slice(start, end) }];
}
