// Reading a QR code from a still frame with ZXing-C++ compiled to
// WebAssembly (zxing-wasm). The camera loop (camera.ts) feeds it frames
// where the browser has no BarcodeDetector; a Go test
// (internal/ticket/gate_decoder_test.go) feeds it hundreds of real ticket
// codes through Node to prove it reads every one.
//
// Why not the pure-JavaScript port (@zxing/library), used before: it could
// not read about one valid ticket in eight even from a perfect frame (38 of
// 300 generated tickets, whatever the binarizer or TRY_HARDER), so a phone
// at the gate would have refused to see some people's tickets; ZXing-C++
// read all 300, five times faster (≈ 4 ms a frame against ≈ 21 ms).
import { prepareZXingModule, readBarcodes, type ReaderOptions } from "zxing-wasm/reader";

const readerOptions: ReaderOptions = { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 };

/** loadDecoderFrom tells the decoder where its .wasm is: the app's own
 * hashed asset, never the package's default CDN (the CSP would refuse it,
 * and a gate must not depend on a third party). Compiled once per page. */
export function loadDecoderFrom(wasmURL: string): void {
  prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmURL : prefix + path) },
  });
}

/** decodeFrame returns the text of the QR code in the frame, if one is
 * read whole (ZXing checks the error correction). */
export async function decodeFrame(frame: ImageData): Promise<string | undefined> {
  const found = await readBarcodes(frame, readerOptions);
  return found.find((b) => b.isValid)?.text;
}
