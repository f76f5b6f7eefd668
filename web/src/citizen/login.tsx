// Log in or register with e-mail or codice fiscale and a password. The
// server answers with an HttpOnly session cookie; the page never sees the
// token.
import { useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { checkCF } from "../shared/cf";
import { currentLang } from "../shared/i18n";
import { setAccount } from "./session";
import { cfMessage, t } from "./messages";
import { Alert, Check, Field } from "../shared/ui";
import { here } from "../shared/router";
import { SpidButton } from "./spid";

/** LoginForm logs in or registers; back is where SPID/CIE returns to
 * (default: the page showing the form). */
export function LoginForm({ onDone, back }: { onDone: () => void; back?: string }) {
  const [mode, setMode] = useState<"login" | "register">("login");
  return (
    <div>
      <SpidButton back={back ?? here()} />
      <div class="btn-group mb-4" role="group" aria-label={t("login.choose")}>
        <button type="button" class={"btn " + (mode === "login" ? "btn-primary" : "btn-outline-primary")} aria-pressed={mode === "login"} onClick={() => setMode("login")} id="mode-login">
          {t("login.login")}
        </button>
        <button type="button" class={"btn " + (mode === "register" ? "btn-primary" : "btn-outline-primary")} aria-pressed={mode === "register"} onClick={() => setMode("register")} id="mode-register">
          {t("login.register")}
        </button>
      </div>
      {mode === "login" ? <Login onDone={onDone} /> : <Register onDone={onDone} />}
    </div>
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.auth.login({ login, password });
      setAccount(r.account);
      onDone();
    } catch (x) {
      const p = problem(x);
      setErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="login-heading">
      <h2 class="h4" id="login-heading">
        {t("login.login")}
      </h2>
      {err.msg && <Alert kind="danger">{err.msg}</Alert>}
      <Field id="login" label={t("login.id")} hint={t("login.idHint")} value={login} onInput={setLogin} required autocomplete="username" error={err.fields.login} />
      <Field id="password" label={t("login.password")} type="password" value={password} onInput={setPassword} required autocomplete="current-password" error={err.fields.password} />
      <button type="submit" class="btn btn-primary" disabled={busy} id="login-submit">
        {t("login.login")}
      </button>
    </form>
  );
}

function Register({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ givenName: "", familyName: "", email: "", codiceFiscale: "", phone: "", password: "" });
  const [privacy, setPrivacy] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const cf = f.codiceFiscale.length >= 16 ? checkCF(f.codiceFiscale) : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.auth.register({ ...f, privacyConsent: privacy, language: currentLang() });
      setAccount(r.account);
      onDone();
    } catch (x) {
      const p = problem(x);
      setErr({ msg: Object.keys(p.fields).length ? t("form.fix") : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  const fe = (k: string) => err.fields[k];
  return (
    <form onSubmit={submit} noValidate aria-labelledby="register-heading">
      <h2 class="h4" id="register-heading">
        {t("login.register")}
      </h2>
      {err.msg && <Alert kind="danger">{err.msg}</Alert>}
      <Field id="given_name" label={t("person.given")} value={f.givenName} onInput={set("givenName")} required autocomplete="given-name" error={fe("given_name")} />
      <Field id="family_name" label={t("person.family")} value={f.familyName} onInput={set("familyName")} required autocomplete="family-name" error={fe("family_name")} />
      <Field id="codice_fiscale" label={t("person.cf")} value={f.codiceFiscale} onInput={set("codiceFiscale")} required maxLength={16}
        error={fe("codice_fiscale") ?? (cf ? cfMessage(cf) : undefined)} />
      <Field id="email" label={t("person.email")} type="email" value={f.email} onInput={set("email")} required autocomplete="email" error={fe("email")} />
      <Field id="phone" label={t("person.phone")} type="tel" value={f.phone} onInput={set("phone")} required autocomplete="tel" error={fe("phone")} />
      <Field id="new_password" label={t("login.password")} hint={t("login.passwordHint")} type="password" value={f.password} onInput={set("password")} required autocomplete="new-password" error={fe("password")} />
      <Check id="privacy_consent" label={t("privacy.consent")} checked={privacy} onChange={setPrivacy} error={fe("privacy_consent")} />
      <button type="submit" class="btn btn-primary" disabled={busy} id="register-submit">
        {t("login.register")}
      </button>
    </form>
  );
}
