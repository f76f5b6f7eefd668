// The phone's torch, where the rear camera has one: lit through the
// camera track's constraints (MediaStreamTrack capabilities.torch, Chrome
// on Android). Elsewhere (iOS Safari, desktops, the test's fake camera)
// there is none and the app shows no button.

/** Torch switches the light of one camera track. */
export interface Torch {
  set(on: boolean): Promise<void>;
}

/** torchOf returns the torch of the video's camera, or undefined when the
 * track does not offer one (or cannot say). */
export function torchOf(video: HTMLVideoElement | null): Torch | undefined {
  const stream = video?.srcObject;
  if (!(stream instanceof MediaStream)) return undefined;
  const track = stream.getVideoTracks()[0];
  if (!track || typeof track.getCapabilities !== "function") return undefined;
  let caps: MediaTrackCapabilities & { torch?: boolean };
  try {
    caps = track.getCapabilities();
  } catch {
    return undefined;
  }
  if (caps.torch !== true) return undefined;
  return { set: (on) => track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] }) };
}
