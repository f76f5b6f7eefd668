// Booking without an account (issue #16): on a resource that allows
// guests, the visitor gives name and e-mail (and codice fiscale when the
// service needs it), receives a 6-digit code by e-mail, enters it, and only
// then is the booking made; the ticket and the links to manage it come by
// e-mail too.
import { useRef, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { checkCF } from "../shared/cf";
import { currentLang } from "../shared/i18n";
import { toDate } from "../shared/format";
import type { Resource } from "../gen/varco/v1/catalog_pb";
import { GuestBooking } from "../gen/varco/v1/catalog_pb";
import type { Booking, Ticket } from "../gen/varco/v1/booking_pb";
import { ConsentKind } from "../gen/varco/v1/booking_pb";
import type { Choice } from "./grid";
import { Countdown } from "./hold";
import { cfMessage, t } from "./messages";
import { Alert, Check, Field } from "../shared/ui";

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function GuestFlow({ r, choice, onBack }: { r: Resource; choice: Choice; onBack: () => void }) {
  const needCF = r.guestBooking === GuestBooking.CODICE_FISCALE;
  const [f, setF] = useState({ givenName: "", familyName: "", email: "", codiceFiscale: "", privacy: false, acks: {} as Record<string, boolean> });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [err, setErr] = useState("");
  const [info, setInfo] = useState("");
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<{ id: string; holdExpires?: Date } | null>(null);
  const [code, setCode] = useState("");
  const [done, setDone] = useState<{ booking: Booking; tickets: Ticket[] } | null>(null);
  const startKey = useRef(crypto.randomUUID());
  const confirmKey = useRef(crypto.randomUUID());

  const send = async (e: Event) => {
    e.preventDefault();
    const v: Record<string, string> = {};
    if (!f.givenName.trim()) v["guest.given_name"] = t("form.required");
    if (!f.familyName.trim()) v["guest.family_name"] = t("form.required");
    if (!f.email.trim()) v["guest.email"] = t("form.required");
    if (needCF || f.codiceFiscale) {
      const c = checkCF(f.codiceFiscale);
      if (c) v["guest.codice_fiscale"] = cfMessage(c);
    }
    if (!f.privacy) v["consents"] = t("privacy.required");
    for (const a of r.acknowledgements) if (!f.acks[a.id]) v[`ack.${a.id}`] = t("ack.required");
    setFields(v);
    if (Object.keys(v).length) {
      setErr(t("form.fix"));
      return;
    }
    setBusy(true);
    setErr("");
    try {
      const res = await api.booking.startGuestBooking({
        resourceId: r.id, slotStart: choice.slot.start, slotCount: choice.count, seats: choice.seats, operatorId: choice.operatorId,
        guest: { givenName: f.givenName, familyName: f.familyName, email: f.email, codiceFiscale: f.codiceFiscale },
        consents: [ConsentKind.PRIVACY], acknowledgementIds: r.acknowledgements.map((a) => a.id),
        language: currentLang(), idempotencyKey: startKey.current,
      });
      setPending({ id: res.guestBookingId, holdExpires: toDate(res.holdExpiresAt) });
    } catch (e) {
      const p = problem(e);
      setFields(p.fields);
      setErr(Object.keys(p.fields).length ? t("form.fix") : p.message);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (e: Event) => {
    e.preventDefault();
    if (!pending) return;
    setBusy(true);
    setErr("");
    setInfo("");
    try {
      const res = await api.booking.confirmGuestBooking({ guestBookingId: pending.id, code: code.trim(), idempotencyKey: confirmKey.current });
      setDone({ booking: res.booking!, tickets: res.tickets });
    } catch (e) {
      const p = problem(e);
      setFields(p.fields);
      setErr(p.fields["code"] ?? p.message);
      confirmKey.current = crypto.randomUUID(); // a new try is a new request
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    if (!pending) return;
    setBusy(true);
    setErr("");
    try {
      await api.booking.resendGuestCode({ guestBookingId: pending.id });
      setInfo(t("guest.resent"));
      setCode("");
    } catch (e) {
      setErr(problem(e).message);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    const tk = done.tickets[0];
    return (
      <section aria-labelledby="guest-done">
        <h2 class="h4" id="guest-done">
          {t("guest.done")}
        </h2>
        <Alert kind="success" id="guest-confirmed">
          {t("guest.doneText", f.email)}
        </Alert>
        <p>
          {t("guest.code.label")}: <strong id="guest-booking-code">{done.booking.code}</strong>
        </p>
        {tk && tk.qrPng.length > 0 && (
          <img class="ticket-qr" id="guest-qr" src={"data:image/png;base64," + b64(tk.qrPng)} alt={t("guest.qrAlt")} width={320} height={320} data-payload={tk.payload} />
        )}
      </section>
    );
  }

  if (pending) {
    return (
      <form aria-labelledby="guest-code-title" noValidate onSubmit={confirm}>
        <h2 class="h4" id="guest-code-title">
          {t("guest.title")}
        </h2>
        {pending.holdExpires && <Countdown expiresAt={pending.holdExpires} onLapse={onBack} />}
        <Alert kind="info" id="guest-code-sent">
          {t("guest.codeSent", f.email)}
        </Alert>
        {info && <Alert kind="success">{info}</Alert>}
        {err && <Alert kind="danger">{err}</Alert>}
        <Field id="guest-code" label={t("guest.code")} value={code} maxLength={6} inputMode="numeric" autocomplete="one-time-code" required
          onInput={setCode} error={fields["code"]} />
        <div class="d-flex gap-2 mt-4 flex-wrap">
          <button type="button" class="btn btn-outline-primary" id="guest-resend" onClick={resend} disabled={busy}>
            {t("guest.resend")}
          </button>
          <button type="submit" class="btn btn-primary flex-grow-1" id="guest-confirm" disabled={busy}>
            {t("guest.confirm")}
          </button>
        </div>
      </form>
    );
  }

  return (
    <form aria-labelledby="guest-title" noValidate onSubmit={send}>
      <h2 class="h4" id="guest-title">
        {t("guest.title")}
      </h2>
      {err && <Alert kind="danger">{err}</Alert>}
      <Field id="g_given" label={t("person.given")} value={f.givenName} required autocomplete="given-name" onInput={(v) => setF({ ...f, givenName: v })} error={fields["guest.given_name"]} />
      <Field id="g_family" label={t("person.family")} value={f.familyName} required autocomplete="family-name" onInput={(v) => setF({ ...f, familyName: v })} error={fields["guest.family_name"]} />
      <Field id="g_email" label={t("person.email")} type="email" value={f.email} required autocomplete="email" onInput={(v) => setF({ ...f, email: v })} error={fields["guest.email"]} />
      <Field id="g_cf" label={needCF ? t("person.cf") : t("guest.cfOptional")} value={f.codiceFiscale} maxLength={16} required={needCF}
        onInput={(v) => setF({ ...f, codiceFiscale: v })} error={fields["guest.codice_fiscale"]} />
      {r.acknowledgements.map((a) => (
        <Check key={a.id} id={`g-ack-${a.id}`} label={a.text} checked={!!f.acks[a.id]}
          onChange={(v) => setF({ ...f, acks: { ...f.acks, [a.id]: v } })} error={fields[`ack.${a.id}`] ?? fields["acknowledgement_ids"]} />
      ))}
      <Check id="g-privacy" label={t("privacy.consentBooking")} checked={f.privacy} onChange={(v) => setF({ ...f, privacy: v })} error={fields["consents"]} />
      <div class="d-flex gap-2 mt-4">
        <button type="button" class="btn btn-outline-primary" onClick={onBack} disabled={busy}>
          {t("book.back")}
        </button>
        <button type="submit" class="btn btn-primary flex-grow-1" id="guest-send" disabled={busy}>
          {t("guest.send")}
        </button>
      </div>
    </form>
  );
}
