// The camera as a QR reader: the rear camera, read continuously. The
// browser's BarcodeDetector where it exists (Android Chrome, Safari 17+);
// elsewhere ZXing's QR decoder (@zxing/library, pure JavaScript in the
// bundle: no WebAssembly, so the CSP needs no 'wasm-unsafe-eval').
import BinaryBitmap from "@zxing/library/esm/core/BinaryBitmap";
import HybridBinarizer from "@zxing/library/esm/core/common/HybridBinarizer";
import QRCodeReader from "@zxing/library/esm/core/qrcode/QRCodeReader";
import RGBLuminanceSource from "@zxing/library/esm/core/RGBLuminanceSource";

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

function zxingDecoder(): Decoder {
  const reader = new QRCodeReader();
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
    const rgba = ctx.getImageData(0, 0, w, h).data;
    const lum = new Uint8ClampedArray(w * h);
    for (let i = 0, j = 0; j < lum.length; i += 4, j++) {
      lum[j] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
    }
    try {
      return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(lum, w, h)))).getText();
    } catch {
      return undefined; // no code in this frame (NotFound, Checksum, Format)
    }
  };
}

/** Camera is a running camera preview that reports every code it reads. */
export interface Camera {
  stop(): void;
  /** "native" or "zxing": which decoder reads the frames. */
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
  video.dataset.decoder = native ? "native" : "zxing";
  const decode = native ?? zxingDecoder();
  let running = true;
  let timer = 0;
  const tick = async () => {
    if (!running) return;
    try {
      const text = await decode(video);
      if (text && running) onCode(text);
    } catch {
      /* a frame that cannot be read is skipped */
    }
    if (running) timer = window.setTimeout(tick, interval);
  };
  timer = window.setTimeout(tick, 0);
  return {
    decoder: native ? "native" : "zxing",
    stop() {
      running = false;
      clearTimeout(timer);
      for (const tr of stream.getTracks()) tr.stop();
      video.srcObject = null;
    },
  };
}
