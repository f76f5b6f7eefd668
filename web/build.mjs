// Builds the web apps into internal/webapp/dist/<app>, which the server
// embeds. The output is committed and CI rebuilds it to check it is not
// stale, so the build must be deterministic: content-hashed names, no
// timestamps, files written in a fixed order.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const distRoot = join(here, "..", "internal", "webapp", "dist");
// Every folder of src/ with a main.tsx is an app (citizen, gate, staff).
const apps = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(here, "src")).filter((d) => existsSync(join(here, "src", d, "main.tsx"))).sort();

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

// Bootstrap Italia's CSS embeds the VideoJS icon font as a data: URL; the
// apps have no video player, and the CSP allows fonts from 'self' only, so
// the block is dropped rather than the policy loosened.
const dropVideoFont = {
  name: "drop-videojs-font",
  setup(b) {
    b.onLoad({ filter: /bootstrap-italia\.min\.css$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(/@font-face\{font-family:VideoJS;[^}]*\}/g, ""),
      loader: "css",
    }));
  },
};

// The path each app is served at (internal/app/webapps.go): its assets,
// index.html links and service-worker shell are absolute URLs under it.
const mounts = { citizen: "/", gate: "/gate/", staff: "/staff/" };

async function buildApp(app) {
  const src = join(here, "src", app);
  const out = join(distRoot, app);
  const base = mounts[app] ?? `/${app}/`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const result = await build({
    entryPoints: { app: join(src, "main.tsx") },
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "safari15"],
    outdir: join(out, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    publicPath: `${base}assets/`,
    loader: { ".woff2": "file", ".png": "file", ".svg": "file", ".wasm": "file" },
    jsx: "automatic",
    jsxImportSource: "preact",
    metafile: true,
    legalComments: "eof",
    charset: "utf8",
    plugins: [dropVideoFont],
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => base + relative(out, p).split("\\").join("/"));
  const js = outputs.find((p) => p.endsWith(".js"));
  const css = outputs.find((p) => p.endsWith(".css"));

  const html = readFileSync(join(src, "index.html"), "utf8").replace("{{JS}}", js).replace("{{CSS}}", css);
  writeFileSync(join(out, "index.html"), html);

  const pub = join(here, "public", app);
  if (existsSync(pub)) cpSync(pub, out, { recursive: true });

  // The service worker precaches everything the app needs offline; its
  // cache name changes whenever any of it does.
  const shell = files(out)
    .map((p) => base + relative(out, p).split("\\").join("/"))
    .filter((p) => p !== base + "index.html" && !p.endsWith(".map"));
  const version = createHash("sha256");
  for (const p of files(out)) version.update(p.slice(out.length)).update(readFileSync(p));
  if (existsSync(join(src, "sw.ts"))) {
    await build({
      entryPoints: [join(src, "sw.ts")],
      bundle: true,
      minify: true,
      format: "iife",
      target: ["es2020"],
      outfile: join(out, "sw.js"),
      define: {
        VARCO_VERSION: JSON.stringify(version.digest("hex").slice(0, 16)),
        VARCO_ASSETS: JSON.stringify(shell),
        VARCO_BASE: JSON.stringify(base),
      },
      logLevel: "warning",
    });
  }
  const sizes = files(out).map((p) => [relative(out, p), statSync(p).size]);
  const total = sizes.reduce((a, [, n]) => a + n, 0);
  console.log(`${app}: ${sizes.length} files, ${(total / 1024).toFixed(0)} KiB`);
}

for (const app of apps) await buildApp(app);
