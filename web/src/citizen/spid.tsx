// Login with SPID or CIE through the OpenID Connect provider the server is
// configured with (docs/identity.md, "SPID and CIE"). The button shows only
// when the server says a provider is configured. The browser goes to the
// provider and comes back through /auth/oidc/callback, which lands on
// #/accesso/spid?passo=… (fatto: logged in; consenso: first login, accept
// the privacy notice; collega: an account with the codice fiscale exists,
// prove it is yours with its password) or on #/accesso?spid_errore=<code>.
import { useEffect, useState } from "preact/hooks";
import type { GetLoginOptionsResponse } from "../gen/varco/v1/auth_pb";
import { api, problem } from "../shared/api";
import { go } from "../shared/router";
import { Alert, Check, Field, Loading, Title } from "../shared/ui";
import { t } from "./messages";
import { refresh, setAccount } from "./session";

// Where to go after the provider: kept across the round trip in this tab.
const returnKey = "varco.spid.return";

let options: Promise<GetLoginOptionsResponse | undefined> | undefined;

/** loginOptions asks the server once per page load. */
function loginOptions() {
  options ??= api.auth.getLoginOptions({}).catch(() => undefined);
  return options;
}

function takeReturn(): string {
  try {
    const r = sessionStorage.getItem(returnKey) ?? "";
    sessionStorage.removeItem(returnKey);
    return r;
  } catch {
    return "";
  }
}

/** SpidButton starts the login; nothing shows without a provider. */
export function SpidButton({ back }: { back: string }) {
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState("");
  useEffect(() => {
    void loginOptions().then((o) => o?.oidcEnabled && setLabel(o.oidcLabel || "SPID / CIE"));
  }, []);
  if (!label) return null;
  const start = async () => {
    setBusy(true);
    setErr("");
    try {
      const r = await api.auth.startOidcLogin({});
      try {
        sessionStorage.setItem(returnKey, back);
      } catch {
        /* storage disabled: land on the bookings */
      }
      location.assign(r.authorizationUrl);
    } catch (x) {
      setErr(problem(x).message);
      setBusy(false);
    }
  };
  return (
    <section class="mb-4" aria-labelledby="spid-heading">
      <h2 class="h4" id="spid-heading">
        {t("spid.heading")}
      </h2>
      <p>{t("spid.explain")}</p>
      {err && <Alert kind="danger">{err}</Alert>}
      <button type="button" class="btn btn-primary spid-button" onClick={start} disabled={busy} id="spid-login">
        <span class="spid-icon" aria-hidden="true">
          <svg viewBox="0 0 24 24" width="20" height="20" focusable="false">
            <circle cx="12" cy="7.5" r="4.5" fill="currentColor" />
            <path d="M3.5 22c0-4.7 3.8-8.5 8.5-8.5s8.5 3.8 8.5 8.5z" fill="currentColor" />
          </svg>
        </span>
        <span class="spid-label">{t("spid.button", label)}</span>
      </button>
      <p class="mt-4 mb-0 text-muted">{t("spid.or")}</p>
    </section>
  );
}

/** SpidStep is #/accesso/spid: what the callback left to do. */
export function SpidStep({ step }: { step: string }) {
  const [consent, setConsent] = useState(false);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  useEffect(() => {
    if (step !== "fatto") return;
    // The session cookie arrived with the redirect; the page must ask whose.
    void refresh(true).then(() => go(takeReturn() || "prenotazioni"));
  }, [step]);
  if (step === "fatto") return <Loading label={t("loading")} />;
  const link = step === "collega";
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.auth.completeOidcLogin(link ? { password } : { privacyConsent: consent });
      setAccount(r.account);
      go(takeReturn() || "prenotazioni");
    } catch (x) {
      const p = problem(x);
      setErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("spid.stepTitle")}</Title>
      <form onSubmit={submit} noValidate aria-labelledby="spid-step-heading">
        <p id="spid-step-heading">{link ? t("spid.linkExplain") : t("spid.consentExplain")}</p>
        {err.msg && (
          <Alert kind="danger">
            {err.msg} <a href="#/accesso">{t("spid.restart")}</a>
          </Alert>
        )}
        {link ? (
          <Field id="password" label={t("login.password")} type="password" value={password} onInput={setPassword} required autocomplete="current-password" error={err.fields.password} />
        ) : (
          <Check id="privacy_consent" label={t("privacy.consent")} checked={consent} onChange={setConsent} error={err.fields.privacy_consent} />
        )}
        <button type="submit" class="btn btn-primary" disabled={busy} id="spid-complete">
          {link ? t("spid.link") : t("spid.create")}
        </button>
      </form>
    </>
  );
}
