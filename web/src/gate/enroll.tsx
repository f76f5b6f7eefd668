// Enrollment: the one-time code from the organizer, typed or read from its
// QR, traded once with GateService.Enroll for the device credential.
import { Code } from "@connectrpc/connect";
import { useEffect, useRef, useState } from "preact/hooks";
import { problem } from "../shared/api";
import { startCamera, type Camera } from "./camera";
import { gate, saveDevice, type Device } from "./device";
import { t } from "./messages";
import { Alert, Title } from "../shared/ui";

/** codeFrom takes the enrollment code out of what a QR holds: the code
 * itself, or a link with it as ?code= / ?codice= (e.g. to /gate/). */
export function codeFrom(text: string): string {
  const s = text.trim();
  const m = /[?&#](?:code|codice)=([^&#]+)/i.exec(s);
  return (m ? decodeURIComponent(m[1]) : s).toUpperCase();
}

export function Enroll({ onDone, notice }: { onDone: (d: Device) => void; notice?: string }) {
  const [code, setCode] = useState(() => codeFrom(new URLSearchParams(location.hash.replace(/^#\/?\??/, "")).get("codice") ?? ""));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const cam = useRef<Camera>();

  const submit = async (value: string) => {
    const c = value.trim();
    if (!c) {
      setError(t("enroll.required"));
      return;
    }
    setBusy(true);
    setError("");
    try {
      const res = await gate.enroll({ enrollmentCode: c, hardware: navigator.userAgent.slice(0, 200) });
      onDone(saveDevice(res.credential, res.settings));
    } catch (e) {
      const p = problem(e);
      setError(p.code === Code.NotFound ? t("enroll.notFound") : p.fields["enrollment_code"] || p.message);
      setBusy(false);
    }
  };

  useEffect(() => () => cam.current?.stop(), []);
  useEffect(() => {
    if (!scanning || !video.current) return;
    let stopped = false;
    startCamera(video.current, (text) => {
      if (stopped) return;
      stopped = true;
      cam.current?.stop();
      setScanning(false);
      const c = codeFrom(text);
      setCode(c);
      void submit(c);
    })
      .then((c) => {
        if (stopped) c.stop();
        else cam.current = c;
      })
      .catch(() => {
        setScanning(false);
        setError(t("camera.denied"));
      });
    return () => {
      stopped = true;
      cam.current?.stop();
    };
  }, [scanning]);

  return (
    <>
      <Title>{t("enroll.title")}</Title>
      {notice && <Alert kind="warning">{notice}</Alert>}
      <p>{t("enroll.lead")}</p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(code);
        }}
      >
        <div class="form-group mb-3">
          <label for="enroll-code" class="active">
            {t("enroll.code")} *
          </label>
          <input
            id="enroll-code"
            class={"form-control" + (error ? " is-invalid" : "")}
            value={code}
            required
            aria-required="true"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={"enroll-hint" + (error ? " enroll-error" : "")}
            onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value.toUpperCase())}
          />
          <small id="enroll-hint" class="form-text">
            {t("enroll.hint")}
          </small>
          {error && (
            <div id="enroll-error" class="invalid-feedback d-block" role="alert">
              {error}
            </div>
          )}
        </div>
        <div class="d-flex flex-wrap gap-2">
          <button type="submit" class="btn btn-primary" id="enroll-submit" disabled={busy}>
            {t("enroll.submit")}
          </button>
          <button type="button" class="btn btn-outline-primary" id="enroll-scan" aria-pressed={scanning} onClick={() => setScanning(!scanning)}>
            {scanning ? t("enroll.scanStop") : t("enroll.scan")}
          </button>
        </div>
      </form>
      {scanning && <video ref={video} class="camera mt-3" aria-label={t("camera.label")} muted playsInline autoPlay />}
    </>
  );
}
