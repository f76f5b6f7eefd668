// Booking at the counter for someone without an account: the service and
// a free slot, who they are (name, codice fiscale, the e-mail the
// confirmation and reminders go to, a phone), why they come, and that
// they were shown the privacy notice. The server holds and confirms in
// one step.
import { useState } from "preact/hooks";
import { problem } from "../shared/api";
import type { Booking } from "../gen/varco/v1/booking_pb";
import type { Slot } from "../gen/varco/v1/catalog_pb";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { currentLang } from "../shared/i18n";
import { dateTime, isoDate, toDate } from "../shared/format";
import { Alert, Check, Field, TextArea, Title } from "../shared/ui";
import { admin } from "./api";
import { agendaRoute } from "./agenda";
import { t } from "./messages";
import { useResources } from "./resources";
import { SlotPicker } from "./slots";

interface Who {
  givenName: string;
  familyName: string;
  codiceFiscale: string;
  phone: string;
  email: string;
}

const blank: Who = { givenName: "", familyName: "", codiceFiscale: "", phone: "", email: "" };

export function CounterPage({ org, role, query }: { org: string; role: StaffRole; query: URLSearchParams }) {
  const resources = useResources(org, role);
  const [service, setService] = useState(query.get("servizio") ?? "");
  const day = query.get("giorno") ?? isoDate(new Date());
  const [slot, setSlot] = useState<{ s: Slot; zone: string } | undefined>();
  const [who, setWho] = useState<Who>(blank);
  const [reason, setReason] = useState("");
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [done, setDone] = useState<Booking | undefined>();
  const [key, setKey] = useState(() => crypto.randomUUID());
  const resourceId = service || resources[0]?.id || "";

  if (done) {
    const zone = done.place?.timeZone || undefined;
    const at = toDate(done.span?.start)!;
    return (
      <>
        <Title>{t("counter.doneTitle")}</Title>
        <Alert kind="success" id="counter-done">
          {t("counter.done", done.code, dateTime(at, zone))}
        </Alert>
        <p class="h3" id="counter-code">
          {done.code}
        </p>
        <div class="d-flex gap-2">
          <a class="btn btn-primary" id="counter-agenda" href={"#/" + agendaRoute({ service: done.resourceId, day: isoDate(at, zone), week: false })}>
            {t("move.toAgenda")}
          </a>
          <button type="button" class="btn btn-outline-primary" id="counter-another" onClick={() => {
            setDone(undefined);
            setWho(blank);
            setReason("");
            setConsent(false);
            setSlot(undefined);
            setKey(crypto.randomUUID());
          }}>
            {t("counter.another")}
          </button>
        </div>
      </>
    );
  }

  const field = (k: keyof Who) => (v: string) => setWho((w) => ({ ...w, [k]: v }));
  const fe = (name: string) => err.fields[name] || err.fields["beneficiary." + name];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!slot) {
      setErr({ msg: "", fields: { slot_start: t("move.pick") } });
      return;
    }
    setBusy(true);
    try {
      const r = await admin.createCounterBooking({
        resourceId, slotStart: slot.s.start, beneficiary: { ...who, codiceFiscale: who.codiceFiscale.trim().toUpperCase() },
        reason, privacyConsent: consent, idempotencyKey: key, language: currentLang(),
      });
      setDone(r.booking);
    } catch (x) {
      const p = problem(x);
      const known = Object.keys(p.fields).some((f) => f.startsWith("beneficiary.") || ["reason", "privacy_consent", "slot_start"].includes(f));
      setErr({ msg: known ? t("counter.fix") : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("counter.title")}</Title>
      <p>{t("counter.lead")}</p>
      <form onSubmit={submit} noValidate>
        {err.msg && <Alert kind="danger">{err.msg}</Alert>}
        <div class="col-md-6 mb-3">
          <label for="counter-service" class="form-label">
            {t("agenda.service")}
          </label>
          <select id="counter-service" class="form-select" value={resourceId} onChange={(e) => {
            setService((e.currentTarget as HTMLSelectElement).value);
            setSlot(undefined);
          }}>
            {resources.map((r) => (
              <option value={r.id} key={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <h2 class="h5">{t("counter.when")}</h2>
        {resourceId && <SlotPicker key={resourceId} resourceId={resourceId} day={day} chosen={slot?.s} onChoose={(s, z) => setSlot({ s, zone: z })} />}
        <p aria-live="polite" id="counter-chosen">
          {slot && t("move.chosen", dateTime(toDate(slot.s.start)!, slot.zone || undefined))}
        </p>
        {err.fields.slot_start && (
          <div class="invalid-feedback d-block mb-3" role="alert" id="counter-slot-error">
            {err.fields.slot_start}
          </div>
        )}
        <h2 class="h5">{t("counter.who")}</h2>
        <div class="row">
          <div class="col-md-6">
            <Field id="cb-given" label={t("counter.givenName")} value={who.givenName} onInput={field("givenName")} error={fe("given_name")} required autocomplete="off" />
          </div>
          <div class="col-md-6">
            <Field id="cb-family" label={t("counter.familyName")} value={who.familyName} onInput={field("familyName")} error={fe("family_name")} required autocomplete="off" />
          </div>
          <div class="col-md-6">
            <Field id="cb-cf" label={t("counter.cf")} value={who.codiceFiscale} onInput={field("codiceFiscale")} error={fe("codice_fiscale")} required autocomplete="off" maxLength={16} />
          </div>
          <div class="col-md-6">
            <Field id="cb-phone" label={t("counter.phone")} value={who.phone} onInput={field("phone")} error={fe("phone")} type="tel" autocomplete="off" />
          </div>
          <div class="col-md-6">
            <Field id="cb-email" label={t("counter.email")} value={who.email} onInput={field("email")} error={fe("email")} type="email" autocomplete="off" required hint={t("counter.contactHint")} />
          </div>
        </div>
        <TextArea id="cb-reason" label={t("counter.reason")} value={reason} onInput={setReason} error={err.fields.reason} maxLength={500} />
        <Check id="cb-consent" label={t("counter.consent")} checked={consent} onChange={setConsent} error={err.fields.privacy_consent} />
        <button type="submit" class="btn btn-primary" disabled={busy} id="counter-confirm">
          {t("counter.confirm")}
        </button>
      </form>
    </>
  );
}
