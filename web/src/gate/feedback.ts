// What the operator hears and feels with each verdict, so the eyes can
// stay on the people: a WebAudio beep (no sound files) and a vibration.
export type Tone = "accepted" | "refused" | "flagged";

let audio: AudioContext | undefined;

/** unlockAudio creates the audio context; browsers allow it only from a
 * user gesture, so call it on the first tap (starting the camera). */
export function unlockAudio() {
  if (audio) return;
  try {
    audio = new AudioContext();
  } catch {
    audio = undefined;
  }
}

function beep(freq: number, start: number, ms: number) {
  if (!audio) return;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = "square";
  osc.frequency.value = freq;
  const t0 = audio.currentTime + start;
  gain.gain.setValueAtTime(0.0001, t0);
  gain.gain.exponentialRampToValueAtTime(0.2, t0 + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, t0 + ms / 1000);
  osc.connect(gain).connect(audio.destination);
  osc.start(t0);
  osc.stop(t0 + ms / 1000 + 0.02);
}

/** signal plays the verdict: one high beep to pass, two low ones to stop,
 * a middle one and a long buzz to warn. */
export function signal(tone: Tone) {
  if (audio?.state === "suspended") void audio.resume();
  switch (tone) {
    case "accepted":
      beep(1320, 0, 120);
      navigator.vibrate?.(80);
      break;
    case "refused":
      beep(300, 0, 180);
      beep(300, 0.25, 180);
      navigator.vibrate?.([200, 100, 200]);
      break;
    case "flagged":
      beep(660, 0, 400);
      navigator.vibrate?.(400);
      break;
  }
}
