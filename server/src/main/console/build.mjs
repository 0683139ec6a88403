// Bundles the console into the server's classes (com/hushryd/console/), from where the node serves it.
// Usage: node build.mjs [outdir] (default ../../../target/classes/com/hushryd/console). Nothing built is committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2] || "../../../target/classes/com/hushryd/console";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
for (const f of ["index.html", "app.css", "icon.svg"]) copyFileSync(join("src", f), join(out, f));
console.log("console built into " + out);
