// Generates code that is never committed: protobuf TypeScript (ts-proto via buf's bundled
// protoc) into proto/gen/, and ANTLR parsers (antlr-ng, no Java) into sql/grammar/gen/.
// Skips work whose outputs are newer than their inputs so `npm test` stays fast.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function newestMtime(dir, suffix) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    if (!String(f).endsWith(suffix)) continue;
    newest = Math.max(newest, statSync(join(dir, String(f))).mtimeMs);
  }
  return newest;
}

function stale(inputDir, inputSuffix, outputDir, outputSuffix) {
  const inNewest = Math.max(newestMtime(inputDir, inputSuffix), statSync(import.meta.filename).mtimeMs);
  const outNewest = newestMtime(outputDir, outputSuffix);
  return outNewest === 0 || inNewest > outNewest;
}

const protoDir = join(root, "proto");
const protoOut = join(protoDir, "gen");
if (stale(protoDir, ".proto", protoOut, ".ts")) {
  rmSync(protoOut, { recursive: true, force: true });
  execFileSync(bin("buf"), ["generate", "--template", "buf.gen.yaml"], { cwd: protoDir, stdio: "inherit" });
  console.error("gen: protobuf -> proto/gen");
}

const grammarDir = join(root, "sql", "grammar");
const grammarOut = join(grammarDir, "gen");
const grammars = existsSync(grammarDir) ? readdirSync(grammarDir).filter((f) => f.endsWith(".g4")) : [];
if (grammars.length > 0 && stale(grammarDir, ".g4", grammarOut, ".ts")) {
  rmSync(grammarOut, { recursive: true, force: true });
  mkdirSync(grammarOut, { recursive: true });
  // Lexer grammars first so parser grammars can import their token vocabulary.
  const ordered = grammars.sort((a, b) => Number(b.includes("Lexer")) - Number(a.includes("Lexer")));
  execFileSync(
    bin("antlr-ng"),
    ["-Dlanguage=TypeScript", "--generate-visitor", "true", "--generate-listener", "false", "-o", "gen", "--lib", "gen", ...ordered],
    {
      cwd: grammarDir,
      stdio: "inherit",
    },
  );
  console.error("gen: antlr -> sql/grammar/gen");
}
