// The scanning screen: direction, camera, typed or keyboard-wedge input,
// the verdict large in its colour with sound and vibration, the last scans
// and today's attendance.
import { useEffect, useRef, useState } from "preact/hooks";
import { GateDirection } from "../gen/varco/v1/auth_pb";
import { ScanDirection } from "../gen/varco/v1/gate_pb";
import { time } from "../shared/format";
import { startCamera, type Camera } from "./camera";
import { torchOf, type Torch } from "./torch";
import type { Device } from "./device";
import { signal, unlockAudio } from "./feedback";
import { t } from "./messages";
import { OccupancyPanel } from "./occupancy";
import type { Shown } from "./scan";
import type { Backend } from "./backend";
import { Alert, Title } from "../shared/ui";

// The same code read again within this time is the same person still
// holding the ticket up, not a second scan. Changing direction ends it.
const repeatMs = 3000;
const recentMax = 10;
const dirKey = "varco.gate.direction";

function initialDirection(d: Device): ScanDirection {
  if (d.direction === GateDirection.ENTRY) return ScanDirection.ENTRY;
  if (d.direction === GateDirection.EXIT) return ScanDirection.EXIT;
  return localStorage.getItem(dirKey) === "exit" ? ScanDirection.EXIT : ScanDirection.ENTRY;
}

function duration(seconds: number): string {
  const m = Math.max(0, Math.round(seconds / 60));
  return m >= 60 ? t("duration.hm", Math.floor(m / 60), m % 60) : t("duration.m", m);
}

function word(s: Shown): string {
  switch (s.tone) {
    case "accepted":
      return s.direction === ScanDirection.EXIT ? t("verdict.acceptedExit") : t("verdict.accepted");
    case "refused":
      return t("verdict.refused");
    case "flagged":
      return t("verdict.flagged");
  }
  return t("verdict.unknown");
}

function VerdictPanel({ shown, busy, zone }: { shown?: Shown; busy: boolean; zone: string }) {
  const tone = busy ? "checking" : shown?.tone ?? "none";
  return (
    <section id="verdict" class={`verdict verdict-${tone}`} data-verdict={tone} data-reason={shown?.reason ?? ""} role="status" aria-live="assertive" aria-atomic="true">
      {busy && <p class="verdict-word mb-0">{t("verdict.checking")}</p>}
      {!busy && !shown && <p class="mb-0">{t("verdict.none")}</p>}
      {!busy && shown && (
        <>
          <p class="verdict-word mb-1">{word(shown)}</p>
          <p class="verdict-message mb-1" id="verdict-message">
            {shown.network ? t("verdict.network") : shown.message}
          </p>
          {shown.seats > 0 && (
            <p class="verdict-seats mb-1" id="verdict-seats">
              {t("verdict.seats", shown.seats)}
            </p>
          )}
          {shown.tone === "accepted" && shown.direction === ScanDirection.ENTRY && shown.expiresAt && (
            <p class="mb-1" id="verdict-time-left">
              {t("verdict.timeLeft", duration(shown.timeLeftSeconds ?? (shown.expiresAt.getTime() - shown.at.getTime()) / 1000), time(shown.expiresAt, zone))}
            </p>
          )}
          {shown.tone !== "accepted" && shown.enteredAt && <p class="mb-1">{t("verdict.enteredAt", time(shown.enteredAt, zone))}</p>}
          {shown.offline && (
            <p class="small mb-0" id="verdict-offline">
              {t("verdict.offline")}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** StatusLine says whether the server answers, how old the synced data
 * is and how many offline scans wait to be sent. */
function StatusLine({ zone, backend }: { zone: string; backend: Backend }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const again = () => tick((n) => n + 1);
    const off = backend.onChange(again);
    const timer = setInterval(again, 15000);
    addEventListener("online", again);
    addEventListener("offline", again);
    return () => {
      off();
      clearInterval(timer);
      removeEventListener("online", again);
      removeEventListener("offline", again);
    };
  }, []);
  const st = backend.status();
  const online = st.online;
  const queued = st.queued;
  return (
    <p id="gate-status" class={"small mb-3 " + (online ? "text-success" : "text-danger")} data-online={online ? "yes" : "no"} data-queued={queued} data-keys={st.keys} role="status">
      <strong>{online ? t("status.online") : t("status.offline")}</strong>
      {" · "}
      {st.lastSync ? t("status.data", time(new Date(st.lastSync), zone)) : t("status.noData")}
      {queued > 0 && <> · {t("queue.pending", queued)}</>}
      {!online && st.dataTooOld && (
        <span id="gate-data-too-old">
          {" · "}
          {t("status.dataTooOld")}
        </span>
      )}
      {Math.abs(st.clockOffsetMs ?? 0) > 60000 && (
        <span id="gate-clock-skew">
          {" · "}
          {t("status.clockSkew", String(Math.round((st.clockOffsetMs ?? 0) / 60000)))}
        </span>
      )}
    </p>
  );
}

export function ScanPage({ device, backend }: { device: Device; backend: Backend }) {
  const [direction, setDirection] = useState(() => initialDirection(device));
  const [current, setCurrent] = useState<Shown>();
  const [recent, setRecent] = useState<Shown[]>([]);
  const [busy, setBusy] = useState(false);
  const [cameraOn, setCameraOn] = useState(false);
  const [cameraError, setCameraError] = useState("");
  // The torch of the running camera, where it has one ("no": checked,
  // none; undefined: not checked yet).
  const [torch, setTorch] = useState<Torch | "no">();
  const [torchOn, setTorchOn] = useState(false);
  const [manual, setManual] = useState("");
  const video = useRef<HTMLVideoElement>(null);
  const cam = useRef<Camera>();
  // The camera and the keyboard call in from outside Preact's render:
  // they read the latest state through refs.
  const dirRef = useRef(direction);
  dirRef.current = direction;
  const busyRef = useRef(false);
  const last = useRef<{ code: string; dir: ScanDirection; at: number }>();

  const handle = async (raw: string) => {
    const code = raw.trim();
    if (!code || busyRef.current) return;
    const dir = dirRef.current;
    const l = last.current;
    if (l && l.code === code && l.dir === dir && Date.now() - l.at < repeatMs) return;
    busyRef.current = true;
    setBusy(true);
    const s = await backend.decide(code, dir);
    last.current = { code, dir, at: Date.now() };
    signal(s.tone === "unknown" ? "flagged" : s.tone);
    setCurrent(s);
    setRecent((r) => [s, ...r].slice(0, recentMax));
    busyRef.current = false;
    setBusy(false);
  };
  const handleRef = useRef(handle);
  handleRef.current = handle;

  // Keyboard-wedge readers type the code and Enter, fast, wherever the
  // focus is; outside a text field those keys are collected here.
  useEffect(() => {
    let buf = "";
    let lastKey = 0;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable)) return;
      const now = Date.now();
      if (now - lastKey > 300) buf = "";
      lastKey = now;
      if (e.key === "Enter") {
        if (buf.length >= 4) {
          e.preventDefault();
          void handleRef.current(buf);
        }
        buf = "";
      } else if (e.key.length === 1) {
        buf += e.key;
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => () => cam.current?.stop(), []);
  // Keys, revocations and presences for offline decisions, and the queue
  // (or the gate box's state, in local mode).
  useEffect(() => backend.start(), []);
  useEffect(() => {
    if (!cameraOn || !video.current) return;
    let cancelled = false;
    setCameraError("");
    startCamera(video.current, (code) => void handleRef.current(code))
      .then((c) => {
        if (cancelled) {
          c.stop();
          return;
        }
        cam.current = c;
        setTorch(torchOf(video.current) ?? "no");
      })
      .catch(() => {
        setCameraOn(false);
        setCameraError(t("camera.denied"));
      });
    return () => {
      cancelled = true;
      cam.current?.stop();
      cam.current = undefined;
      setTorch(undefined);
      setTorchOn(false);
    };
  }, [cameraOn]);

  const choose = (d: ScanDirection) => {
    setDirection(d);
    localStorage.setItem(dirKey, d === ScanDirection.EXIT ? "exit" : "entry");
  };

  return (
    <>
      <Title>{t("scan.title")}</Title>
      {device.direction === GateDirection.BOTH ? (
        <div class="btn-group w-100 mb-3" role="group" aria-label={t("scan.direction")}>
          <button type="button" id="dir-entry" class={"btn btn-lg " + (direction === ScanDirection.ENTRY ? "btn-primary" : "btn-outline-primary")} aria-pressed={direction === ScanDirection.ENTRY} onClick={() => choose(ScanDirection.ENTRY)}>
            {t("dir.entry")}
          </button>
          <button type="button" id="dir-exit" class={"btn btn-lg " + (direction === ScanDirection.EXIT ? "btn-primary" : "btn-outline-primary")} aria-pressed={direction === ScanDirection.EXIT} onClick={() => choose(ScanDirection.EXIT)}>
            {t("dir.exit")}
          </button>
        </div>
      ) : (
        <p class="lead" id="direction-fixed">
          {t("scan.direction")}: <strong>{direction === ScanDirection.EXIT ? t("dir.exit") : t("dir.entry")}</strong>
        </p>
      )}

      <StatusLine zone={device.timeZone} backend={backend} />

      <VerdictPanel shown={current} busy={busy} zone={device.timeZone} />

      <div class="mt-3">
        <button
          type="button"
          id="camera-toggle"
          class="btn btn-outline-primary w-100"
          aria-pressed={cameraOn}
          onClick={() => {
            unlockAudio();
            setCameraOn(!cameraOn);
          }}
        >
          {cameraOn ? t("camera.stop") : t("camera.start")}
        </button>
        {cameraError && <Alert kind="warning">{cameraError}</Alert>}
        {cameraOn && (
          <>
            <p class="small text-muted mt-2 mb-1">{t("camera.on")}</p>
            {torch && torch !== "no" && (
              <button
                type="button"
                id="torch-toggle"
                class="btn btn-outline-secondary w-100 mb-2"
                aria-pressed={torchOn}
                onClick={() => {
                  const on = !torchOn;
                  torch.set(on).then(
                    () => setTorchOn(on),
                    () => setTorch("no"),
                  );
                }}
              >
                {torchOn ? t("camera.torchOff") : t("camera.torchOn")}
              </button>
            )}
            <video ref={video} class="camera" aria-label={t("camera.label")} data-torch={torch === undefined ? "" : torch === "no" ? "no" : "yes"} muted playsInline autoPlay />
          </>
        )}
      </div>

      <form
        class="mt-3"
        onSubmit={(e) => {
          e.preventDefault();
          unlockAudio();
          const v = manual;
          setManual("");
          last.current = undefined; // typed on purpose: always decide
          void handle(v);
        }}
      >
        <label for="manual-code" class="form-label">
          {t("manual.label")}
        </label>
        <div class="input-group">
          <input id="manual-code" class="form-control" value={manual} autocomplete="off" spellcheck={false} onInput={(e) => setManual((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit" class="btn btn-primary" id="manual-submit">
            {t("manual.submit")}
          </button>
        </div>
      </form>

      <section aria-labelledby="recent-title" class="mt-4">
        <h2 id="recent-title" class="h5">
          {t("recent.title")}
        </h2>
        {recent.length === 0 ? (
          <p>{t("recent.empty")}</p>
        ) : (
          <ol class="list-unstyled recent" id="recent">
            {recent.map((s) => (
              <li key={s.id} class={`recent-item recent-${s.tone}`} data-tone={s.tone} data-reason={s.reason}>
                <span class="fw-semibold">{time(s.at, device.timeZone)}</span> · {s.direction === ScanDirection.EXIT ? t("dir.exit") : t("dir.entry")} · <strong>{word(s)}</strong> — {s.network ? t("verdict.network") : s.message}
                {s.offline && ` · ${t("verdict.offline")}`}
                {s.seats > 0 && ` (${t("verdict.seats", s.seats)})`}
              </li>
            ))}
          </ol>
        )}
      </section>

      <OccupancyPanel zone={device.timeZone} backend={backend} />
    </>
  );
}
