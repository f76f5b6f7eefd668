// Account: what is held about me (download), delete my account, log out.
import { useRef, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { go } from "../shared/router";
import { logout, setAccount, useSession } from "./session";
import { t } from "./messages";
import { Alert, Field, Title } from "../shared/ui";

export function AccountPage() {
  const { account } = useSession();
  const [msg, setMsg] = useState<{ kind: "success" | "danger"; text: string } | null>(null);
  const [pw, setPw] = useState("");
  const [pwErr, setPwErr] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);
  if (!account) return null;
  // App IO is a channel the person may turn off (e-mail and push are
  // unaffected); saved at once, as a switch is expected to.
  const setIO = async (on: boolean) => {
    try {
      const r = await api.auth.updateProfile({ appIoOptOut: !on });
      if (r.account) setAccount(r.account);
      setMsg({ kind: "success", text: t(on ? "account.ioOn" : "account.ioOff") });
    } catch (e) {
      setMsg({ kind: "danger", text: problem(e).message });
    }
  };
  const exportData = async () => {
    try {
      const r = await api.auth.exportMyData({});
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([r.json as BlobPart], { type: "application/json" }));
      a.download = r.fileName || "varco-dati.json";
      a.click();
      setMsg({ kind: "success", text: t("account.exported") });
    } catch (e) {
      setMsg({ kind: "danger", text: problem(e).message });
    }
  };
  const del = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api.auth.deleteMyAccount({ password: pw });
      dialog.current?.close();
      setAccount(undefined);
      alertAfter(t("account.deleted", r.cancelledBookings));
      go("");
    } catch (x) {
      const p = problem(x);
      setPwErr(p.fields.password ?? p.message);
    }
  };
  return (
    <>
      <Title>{t("account.title")}</Title>
      {msg && <Alert kind={msg.kind}>{msg.text}</Alert>}
      <dl class="row">
        <dt class="col-sm-4">{t("person.given")}</dt>
        <dd class="col-sm-8">{account.givenName}</dd>
        <dt class="col-sm-4">{t("person.family")}</dt>
        <dd class="col-sm-8">{account.familyName}</dd>
        <dt class="col-sm-4">{t("person.cf")}</dt>
        <dd class="col-sm-8">{account.codiceFiscale}</dd>
        <dt class="col-sm-4">{t("person.email")}</dt>
        <dd class="col-sm-8">{account.email}</dd>
        <dt class="col-sm-4">{t("person.phone")}</dt>
        <dd class="col-sm-8">{account.phone}</dd>
      </dl>
      <fieldset class="mb-4">
        <legend class="h5">{t("account.channels")}</legend>
        <div class="form-check">
          <input
            class="form-check-input"
            type="checkbox"
            id="app-io"
            checked={!account.appIoOptOut}
            onChange={(e) => setIO((e.currentTarget as HTMLInputElement).checked)}
            aria-describedby="app-io-help"
          />
          <label class="form-check-label" for="app-io">
            {t("account.io")}
          </label>
        </div>
        <p class="form-text" id="app-io-help">
          {t("account.ioHelp")}
        </p>
      </fieldset>
      <div class="d-flex flex-wrap gap-2">
        <button type="button" class="btn btn-outline-primary" onClick={exportData} id="export-data">
          {t("account.export")}
        </button>
        <button type="button" class="btn btn-outline-primary" onClick={() => logout().then((leaving) => leaving || go(""))} id="logout">
          {t("account.logout")}
        </button>
        <button type="button" class="btn btn-outline-danger" onClick={() => dialog.current?.showModal()} id="delete-account">
          {t("account.delete")}
        </button>
      </div>
      <dialog ref={dialog} class="p-4 border rounded" aria-labelledby="del-h">
        <form onSubmit={del}>
          <h2 class="h4" id="del-h">
            {t("account.delete")}
          </h2>
          {account.hasPassword ? (
            <>
              <p>{t("account.deleteExplain")}</p>
              <Field id="del-password" label={t("login.password")} type="password" value={pw} onInput={setPw} required autocomplete="current-password" error={pwErr} />
            </>
          ) : (
            <>
              {/* Created through SPID/CIE: no password; a fresh login confirms. */}
              <p>{t("spid.deleteExplain")}</p>
              {pwErr && <Alert kind="danger">{pwErr}</Alert>}
            </>
          )}
          <div class="d-flex gap-2">
            <button type="button" class="btn btn-outline-primary" onClick={() => dialog.current?.close()}>
              {t("booking.keep")}
            </button>
            <button type="submit" class="btn btn-danger">
              {t("account.deleteYes")}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** alertAfter leaves a message for the next page (one-shot). */
export function alertAfter(text: string) {
  sessionStorage.setItem("varco.flash", text);
}

export function takeFlash(): string {
  const s = sessionStorage.getItem("varco.flash") ?? "";
  sessionStorage.removeItem("varco.flash");
  return s;
}
