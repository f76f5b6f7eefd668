// "Avvisami prima che scada il biglietto": registers the service worker,
// subscribes with the server's VAPID key and hands the subscription to
// NotificationService; the service worker shows each warning.
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { currentLang } from "../shared/i18n";
import { t } from "./messages";
import { Alert } from "../shared/ui";

type Status = "checking" | "unsupported" | "ios-install" | "insecure" | "denied" | "off" | "on" | "busy";

function urlB64ToBytes(s: string): Uint8Array<ArrayBuffer> {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function bytesToB64url(b: ArrayBuffer | null): string {
  if (!b) return "";
  let s = "";
  new Uint8Array(b).forEach((x) => (s += String.fromCharCode(x)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const isIOS = () => /iPad|iPhone|iPod/.test(navigator.userAgent);
const standalone = () => matchMedia("(display-mode: standalone)").matches || (navigator as { standalone?: boolean }).standalone === true;

async function registration(): Promise<ServiceWorkerRegistration> {
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  return navigator.serviceWorker.ready.then(() => reg);
}

export function PushToggle() {
  const [st, setSt] = useState<Status>("checking");
  const [err, setErr] = useState("");
  useEffect(() => {
    (async () => {
      if (!isSecureContext) return setSt("insecure");
      if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
        return setSt(isIOS() && !standalone() ? "ios-install" : "unsupported");
      }
      if (Notification.permission === "denied") return setSt("denied");
      const reg = await navigator.serviceWorker.getRegistration("/");
      const sub = await reg?.pushManager.getSubscription();
      setSt(sub ? "on" : "off");
    })().catch(() => setSt("unsupported"));
  }, []);

  const enable = async () => {
    setSt("busy");
    setErr("");
    try {
      const perm = await Notification.requestPermission();
      if (perm !== "granted") return setSt(perm === "denied" ? "denied" : "off");
      const reg = await registration();
      const { publicKey } = await api.notification.getVapidPublicKey({});
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlB64ToBytes(publicKey) });
      await api.notification.subscribePush({
        endpoint: sub.endpoint,
        p256dh: bytesToB64url(sub.getKey("p256dh")),
        auth: bytesToB64url(sub.getKey("auth")),
        language: currentLang(),
      });
      setSt("on");
    } catch (e) {
      setErr(e instanceof DOMException ? t("push.failed") : problem(e).message);
      setSt("off");
    }
  };

  const disable = async () => {
    setSt("busy");
    try {
      const reg = await navigator.serviceWorker.getRegistration("/");
      const sub = await reg?.pushManager.getSubscription();
      if (sub) {
        await api.notification.unsubscribePush({ endpoint: sub.endpoint }).catch(() => {});
        await sub.unsubscribe();
      }
      setSt("off");
    } catch (e) {
      setErr(problem(e).message);
      setSt("on");
    }
  };

  return (
    <div class="callout note mt-3" id="push">
      <div class="callout-title">{t("push.title")}</div>
      <p class="mb-2">{t("push.explain")}</p>
      {err && <Alert kind="danger">{err}</Alert>}
      {st === "insecure" && <p class="mb-0">{t("push.insecure")}</p>}
      {st === "unsupported" && <p class="mb-0">{t("push.unsupported")}</p>}
      {st === "ios-install" && <p class="mb-0">{t("push.ios")}</p>}
      {st === "denied" && <p class="mb-0">{t("push.denied")}</p>}
      {(st === "off" || st === "busy") && (
        <button type="button" class="btn btn-primary" onClick={enable} disabled={st === "busy"} id="push-on">
          {t("push.enable")}
        </button>
      )}
      {st === "on" && (
        <>
          <p class="mb-2" role="status" id="push-status">
            {t("push.active")}
          </p>
          <button type="button" class="btn btn-outline-primary" onClick={disable} id="push-off">
            {t("push.disable")}
          </button>
        </>
      )}
    </div>
  );
}
