// The app in local mode (localmode.ts): the gate box's state first, a
// pairing code when the box asks for one, then the scanning screen with
// the box as its backend.
import { useEffect, useState } from "preact/hooks";
import { Alert, Title } from "../shared/ui";
import { t } from "./messages";
import { ScanPage } from "./scanpage";
import { deviceOf, fetchStatus, localBackend, setPairing, takePairingFromURL, Unpaired, type BoxStatus } from "./localmode";
import type { Backend } from "./backend";

type View = { kind: "loading" } | { kind: "pair"; wrong: boolean } | { kind: "down" } | { kind: "ready"; status: BoxStatus; backend: Backend };

export function LocalApp({ onGate }: { onGate: (name: string) => void }) {
  const [view, setView] = useState<View>({ kind: "loading" });
  const load = async (afterPairing = false) => {
    try {
      const status = await fetchStatus();
      onGate(status.gate.name);
      setView({ kind: "ready", status, backend: localBackend(status, () => setView({ kind: "pair", wrong: false })) });
    } catch (e) {
      setView(e instanceof Unpaired ? { kind: "pair", wrong: afterPairing } : { kind: "down" });
    }
  };
  useEffect(() => {
    takePairingFromURL();
    void load();
  }, []);
  switch (view.kind) {
    case "loading":
      return <p role="status">{t("loading")}</p>;
    case "down":
      return (
        <>
          <Alert kind="danger">{t("local.down")}</Alert>
          <button type="button" class="btn btn-primary" id="local-retry" onClick={() => void load()}>
            {t("local.retry")}
          </button>
        </>
      );
    case "pair":
      return <Pair wrong={view.wrong} onCode={(c) => {
        setPairing(c);
        void load(true);
      }} />;
    case "ready":
      return <ScanPage device={deviceOf(view.status)} backend={view.backend} />;
  }
}

function Pair({ wrong, onCode }: { wrong: boolean; onCode: (code: string) => void }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const shown = error || (wrong ? t("pair.wrong") : "");
  return (
    <>
      <Title>{t("pair.title")}</Title>
      <p>{t("pair.lead")}</p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!code.trim()) {
            setError(t("pair.required"));
            return;
          }
          setError("");
          onCode(code);
        }}
      >
        <div class="form-group mb-3">
          <label for="pair-code" class="active">
            {t("pair.code")}
          </label>
          <input id="pair-code" class="form-control" autocomplete="off" spellcheck={false} value={code}
            aria-invalid={shown ? "true" : undefined} aria-describedby={shown ? "pair-error" : undefined}
            onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)} />
          {shown && (
            <div id="pair-error" class="invalid-feedback d-block" role="alert">
              {shown}
            </div>
          )}
        </div>
        <button type="submit" class="btn btn-primary" id="pair-submit">
          {t("pair.submit")}
        </button>
      </form>
    </>
  );
}
