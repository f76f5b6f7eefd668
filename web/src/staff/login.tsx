// Staff log in with the same accounts as citizens (e-mail or codice
// fiscale and password); the server answers with an HttpOnly session
// cookie and the page never sees the token.
import { useState } from "preact/hooks";
import { problem } from "../shared/api";
import { auth } from "./api";
import { t } from "./messages";
import { refresh } from "./session";
import { Alert, Field } from "../shared/ui";

export function LoginForm() {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await auth.login({ login, password });
      await refresh(true); // the roles come with WhoAmI
    } catch (x) {
      const p = problem(x);
      setErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate class="col-md-6">
      <p>{t("login.lead")}</p>
      {err.msg && <Alert kind="danger">{err.msg}</Alert>}
      <Field id="login" label={t("login.id")} value={login} onInput={setLogin} required autocomplete="username" error={err.fields.login} />
      <Field id="password" label={t("login.password")} type="password" value={password} onInput={setPassword} required autocomplete="current-password" error={err.fields.password} />
      <button type="submit" class="btn btn-primary" disabled={busy} id="login-submit">
        {t("login.submit")}
      </button>
    </form>
  );
}
