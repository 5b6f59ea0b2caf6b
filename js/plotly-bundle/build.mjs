// Build a partial plotly.js bundle for the ler_analytics dashboards (only the trace types they draw).
//
//   node js/plotly-bundle/build.mjs --plotly-js PATH --traces bar,choropleth,... --out DIR
//
// PATH is the installed Python plotly's package_data/plotly.min.js: its header names the plotly.js
// version the dashboards are tested with, and the build refuses to run unless node_modules holds the
// same plotly.js version (package.json pins it; a unit test checks the pin against the installed
// plotly). The trace list comes from the caller (ler_analytics.apps.plotly_bundle.PLOTLY_TRACES, the one
// place it is kept); the entry module is generated from it. Writes DIR/plotly.min.js and
// DIR/manifest.json (version, traces, sha256), each via a temp file + rename. `scripts/setup.sh`
// runs this; `VoilaServer` serves the bundle only when the manifest matches the installed plotly.js.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`plotly bundle: ${message}`);
  process.exit(2);
}

function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const { values } = parseArgs({
  options: {
    "plotly-js": { type: "string" },
    traces: { type: "string" },
    out: { type: "string" },
  },
});
if (!values["plotly-js"] || !values.traces || !values.out) {
  fail("usage: node build.mjs --plotly-js PATH --traces bar,scatter,... --out DIR");
}

// The version the Python plotly ships: "plotly.js v4.1.1" in the first lines of its plotly.min.js.
const header = readFileSync(values["plotly-js"], { encoding: "utf8" }).slice(0, 400);
const match = header.match(/plotly\.js v(\d+\.\d+\.\d+\S*)/);
if (!match) fail(`no "plotly.js vX.Y.Z" header in ${values["plotly-js"]}`);
const wanted = match[1];

const pkgPath = join(HERE, "node_modules", "plotly.js", "package.json");
if (!existsSync(pkgPath)) fail(`plotly.js is not installed in ${HERE}/node_modules (run npm ci there)`);
const have = JSON.parse(readFileSync(pkgPath, "utf8")).version;
if (have !== wanted) {
  fail(
    `the installed Python plotly ships plotly.js ${wanted} but js/plotly-bundle pins ${have}: ` +
      `run \`npm install --save-exact plotly.js@${wanted}\` in js/plotly-bundle`,
  );
}

const traces = values.traces.split(",").map((t) => t.trim()).filter(Boolean);
if (!traces.length) fail("--traces is empty");
for (const name of traces) {
  if (!/^[a-z0-9]+$/.test(name) || !existsSync(join(HERE, "node_modules", "plotly.js", "lib", `${name}.js`))) {
    fail(`plotly.js ${have} has no trace module lib/${name}.js`);
  }
}

// scatter is registered by plotly.js/lib/core itself; registering it again only logs a notice.
const modules = traces.filter((t) => t !== "scatter");
const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${modules.map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

const esbuild = await import("esbuild");
const result = await esbuild.build({
  stdin: { contents: entry, resolveDir: HERE, sourcefile: "ler-plotly-entry.js", loader: "js" },
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "Plotly",
  target: "es2016",
  write: false,
  // as plotly.js's own esbuild config; CSS (only maplibre's, for map traces we do not bundle) is dropped
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  alias: { regl: "@plotly/regl" },
  loader: { ".css": "empty" },
  banner: { js: `/*! plotly.js v${have} partial bundle (${traces.join(", ")}) for ler_analytics | MIT, (c) Plotly, Inc. */` },
  footer: { js: "window.Plotly = Plotly;" },
  legalComments: "eof",
  logLevel: "warning",
});
const code = result.outputFiles[0].contents;

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
writeAtomic(join(out, "plotly.min.js"), code);
const manifest = {
  plotly_js: have,
  traces,
  bytes: code.length,
  sha256: createHash("sha256").update(code).digest("hex"),
  esbuild: esbuild.version,
};
writeAtomic(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`plotly bundle: plotly.js ${have} with ${traces.join(", ")} -> ${join(out, "plotly.min.js")} (${(code.length / 1e6).toFixed(2)} MB)`);
