// The camera as a QR reader: the rear camera, read continuously. The
// browser's BarcodeDetector where it exists (Android Chrome, Safari 17+);
// elsewhere ZXing-C++ compiled to WebAssembly (qrdecode.ts), self-hosted:
// the .wasm is one of the app's hashed assets, and the gate page's CSP
// allows 'wasm-unsafe-eval' for it.
import wasmURL from "zxing-wasm/reader/zxing_reader.wasm";
import { decodeFrame, loadDecoderFrom } from "./qrdecode";

/** A decoder reads at most one QR code from the current video frame. */
type Decoder = (video: HTMLVideoElement) => Promise<string | undefined>;

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (opts: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

async function nativeDecoder(): Promise<Decoder | undefined> {
  const BD = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!BD) return undefined;
  try {
    // Some browsers define the class without a working detector behind it;
    // an answer that does not come soon counts as no.
    const formats = await Promise.race([BD.getSupportedFormats(), new Promise<string[]>((r) => setTimeout(() => r([]), 1000))]);
    if (!formats.includes("qr_code")) return undefined;
    const d = new BD({ formats: ["qr_code"] });
    return async (video) => (await d.detect(video))[0]?.rawValue;
  } catch {
    return undefined;
  }
}

// The frame is scaled down to this width before decoding: a ticket held
// at a gate fills much of the picture, and smaller frames decode faster.
const maxWidth = 800;

function wasmDecoder(): Decoder {
  loadDecoderFrom(new URL(wasmURL, document.baseURI).href);
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  return async (video) => {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (!vw || !vh) return undefined;
    const scale = Math.min(1, maxWidth / vw);
    const w = Math.round(vw * scale);
    const h = Math.round(vh * scale);
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    return decodeFrame(ctx.getImageData(0, 0, w, h));
  };
}

/** Camera is a running camera preview that reports every code it reads. */
export interface Camera {
  stop(): void;
  /** "native" or "wasm": which decoder reads the frames. */
  decoder: string;
}

// Pause between two reads: about seven frames a second is quick for a
// person and leaves the phone cool.
const interval = 140;

/** startCamera opens the rear camera into video and calls onCode for every
 * code read, until stop. It throws when there is no camera or no
 * permission. */
export async function startCamera(video: HTMLVideoElement, onCode: (text: string) => void): Promise<Camera> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  // Not awaited: the loop skips frames until the video has a size.
  video.play().catch(() => {});
  const native = await nativeDecoder();
  video.dataset.decoder = native ? "native" : "wasm";
  const decode = native ?? wasmDecoder();
  let running = true;
  let timer = 0;
  // What the loop did, on the element (data-reads, data-frame,
  // data-error): support and the browser tests tell a starved loop from
  // frames that do not decode.
  let reads = 0;
  const tick = async () => {
    if (!running) return;
    reads++;
    video.dataset.reads = String(reads);
    video.dataset.frame = `${video.videoWidth}x${video.videoHeight}`;
    try {
      const text = await decode(video);
      if (text && running) onCode(text);
    } catch (e) {
      // A frame that cannot be read is skipped.
      video.dataset.error = e instanceof Error ? e.name : String(e);
    }
    if (running) timer = window.setTimeout(tick, interval);
  };
  timer = window.setTimeout(tick, 0);
  return {
    decoder: native ? "native" : "wasm",
    stop() {
      running = false;
      clearTimeout(timer);
      for (const tr of stream.getTracks()) tr.stop();
      video.srcObject = null;
    },
  };
}
