// Run by internal/ticket/gate_decoder_test.go (bundled with esbuild, run
// with Node): decodes every raw 8-bit grey frame in the folder given as
// the first argument with the gate app's decoder (src/gate/qrdecode.ts) and
// prints, as JSON, which ones it read and what.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { prepareZXingModule } from "zxing-wasm/reader";
import { decodeFrame } from "../src/gate/qrdecode";

const [dir, wasm, width, height] = process.argv.slice(2);
const w = Number(width);
const h = Number(height);
prepareZXingModule({ overrides: { wasmBinary: readFileSync(wasm).buffer as ArrayBuffer } });

const results: Record<string, string> = {};
let ms = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".gray")).sort()) {
  const grey = readFileSync(join(dir, name));
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = grey[i];
    rgba[4 * i + 3] = 255;
  }
  const t0 = performance.now();
  const text = await decodeFrame({ data: rgba, width: w, height: h, colorSpace: "srgb" } as ImageData);
  ms += performance.now() - t0;
  results[name] = text ?? "";
}
console.log(JSON.stringify({ results, ms }));
