// The gate app: a phone at the entrance enrolled as a gate device, which
// reads tickets with its camera (or a typed code, or a keyboard-wedge
// reader) and shows the server's verdict. Served by the Varco server at
// /gate/, talking only to GateService with the device's bearer credential.
import "./style.css";
import { render } from "preact";
import { useState } from "preact/hooks";
import { AppHeader } from "../shared/chrome";
import { currentLang, setLang, type Lang } from "../shared/i18n";
import { forgetDevice, loadDevice, setRevokedHandler, type Device } from "./device";
import { Enroll } from "./enroll";
import { t } from "./messages";
import { ScanPage } from "./scanpage";
import { Alert } from "../shared/ui";
import { runCases } from "./offline/selftest";
import { openLocal } from "./offline/local";
import { phoneBackend } from "./backend";
import { isLocalMode } from "./localmode";
import { LocalApp } from "./localapp";

// Served by a gate box's scanner (--http): the box is the device.
const local = isLocalMode();

let revoked: (() => void) | undefined;
// The server no longer accepts the credential (RevokeDevice): forget it and
// ask for a new code.
setRevokedHandler(() => revoked?.());

function App() {
  const [device, setDevice] = useState<Device | undefined>(() => (local ? undefined : loadDevice()));
  const [notice, setNotice] = useState("");
  // In local mode the gate's name comes from the box.
  const [boxName, setBoxName] = useState("");
  const [lang, setL] = useState<Lang>(currentLang());
  revoked = () => {
    forgetDevice();
    setNotice(t("enroll.revoked"));
    setDevice(undefined);
  };
  const switchLang = (l: Lang) => {
    setLang(l);
    setL(l);
  };
  return (
    <div key={lang}>
      <AppHeader owner={device?.name || boxName ? t("gate.name", device?.name || boxName) : t("app.tagline")} tagline={t("app.tagline")} skip={t("skip")}
        langLabel={t("lang.choose")} lang={lang} onLang={switchLang} compact />
      <main id="main" class="container py-3">
        {!isSecureContext && <Alert kind="warning">{t("insecure")}</Alert>}
        {local ? (
          <LocalApp onGate={setBoxName} />
        ) : device ? (
          <ScanPage device={device} backend={phoneBackend} key={device.deviceId} />
        ) : (
          <Enroll
            notice={notice}
            onDone={(d) => {
              setNotice("");
              setDevice(d);
            }}
          />
        )}
      </main>
      {device && (
        <footer class="container pb-4">
          <button
            type="button"
            class="btn btn-link p-0"
            id="forget-device"
            onClick={() => {
              if (confirm(t("gate.forgetConfirm"))) {
                forgetDevice();
                setDevice(undefined);
              }
            }}
          >
            {t("gate.forget")}
          </button>
        </footer>
      )}
    </div>
  );
}

// The offline decider answers the shared table of cases only when asked
// (TestGateAppOfflineCases); the app itself never looks at this.
if (new URLSearchParams(location.search).has("selftest")) {
  (window as unknown as { varcoGateSelftest: typeof runCases }).varcoGateSelftest = runCases;
}

setLang(currentLang());
document.title = t("app.title");
// The phone's synced data and queue are read from IndexedDB before the
// first screen, so a scan right after a reload is decided with them.
void (local ? Promise.resolve() : openLocal()).finally(() => render(<App />, document.getElementById("app")!));

// The service worker keeps the app itself available with poor signal; its
// scope is the gate app only.
if ("serviceWorker" in navigator && isSecureContext) {
  addEventListener("load", () => navigator.serviceWorker.register("/gate/sw.js", { scope: "/gate/" }).catch(() => {}));
}
