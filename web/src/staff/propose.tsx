// Proposing other dates for a booking: the operator picks up to five free
// slots of the same service in its week grid and writes a message; the
// server holds them for the citizen and e-mails the links to accept one
// or decline. A pending proposal is shown instead of the form. For a
// video call the operator may also set the booking's own meeting link.
import { useEffect, useState } from "preact/hooks";
import { problem } from "../shared/api";
import type { Booking, BookingProposal } from "../gen/varco/v1/booking_pb";
import { BookingStatus, ProposalStatus } from "../gen/varco/v1/booking_pb";
import type { Slot } from "../gen/varco/v1/catalog_pb";
import { Mode } from "../gen/varco/v1/catalog_pb";
import { dateTime, isoDate, toDate } from "../shared/format";
import { Alert, Field, Loading, TextArea, Title } from "../shared/ui";
import { admin } from "./api";
import { t, type Key } from "./messages";
import { SlotPicker } from "./slots";

const maxDates = 5;

export function ProposePage({ id }: { id: string }) {
  const [b, setB] = useState<Booking | undefined>();
  const [slots, setSlots] = useState<Slot[]>([]);
  const [zone, setZone] = useState("");
  const [message, setMessage] = useState("");
  const [hours, setHours] = useState("48");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [sent, setSent] = useState<BookingProposal | undefined>();
  const load = () =>
    admin
      .getBookingDetails({ bookingId: id })
      .then((r) => setB(r.booking))
      .catch((e) => setErr({ msg: problem(e).message, fields: {} }));
  useEffect(() => {
    void load();
  }, [id]);

  if (!b) return err.msg ? <Alert kind="danger">{err.msg}</Alert> : <Loading label={t("loading")} />;
  const tz = b.place?.timeZone || undefined;
  const start = toDate(b.span?.start)!;
  const who = `${b.beneficiary?.givenName ?? ""} ${b.beneficiary?.familyName ?? ""}`.trim();
  const pending = b.proposals.find((p) => p.status === ProposalStatus.PENDING);
  const earlier = b.proposals.filter((p) => p.status !== ProposalStatus.PENDING);

  const toggle = (s: Slot, z: string) => {
    setZone(z);
    const at = toDate(s.start)!.getTime();
    setSlots((cur) => (cur.some((c) => toDate(c.start)!.getTime() === at) ? cur.filter((c) => toDate(c.start)!.getTime() !== at) : cur.length < maxDates ? [...cur, s] : cur));
    setErr((x) => ({ ...x, fields: { ...x.fields, alternatives: "" } }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (slots.length === 0) {
      setErr({ msg: "", fields: { alternatives: t("propose.pick") } });
      return;
    }
    const h = Number(hours.trim());
    setBusy(true);
    try {
      const r = await admin.proposeOtherDates({
        bookingId: b.id, message, alternatives: slots.map((s) => ({ slotStart: s.start })),
        validFor: hours.trim() === "" || !Number.isFinite(h) ? undefined : { seconds: BigInt(Math.round(h * 3600)) },
      });
      setSent(r.proposal);
      setSlots([]);
      await load();
    } catch (x) {
      const p = problem(x);
      const fields = { ...p.fields };
      for (const k of Object.keys(p.fields)) if (k.startsWith("alternatives")) fields.alternatives = p.fields[k];
      setErr({ msg: fields.alternatives || fields.message || fields.valid_for ? "" : p.message, fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("propose.title", b.code)}</Title>
      <p id="propose-who">{t("move.who", who, b.resourceName, dateTime(start, tz))}</p>
      {sent && (
        <Alert kind="success" id="propose-sent">
          {t("propose.sent", dateTime(toDate(sent.expiresAt)!, tz))}
        </Alert>
      )}
      {pending ? (
        <section aria-labelledby="propose-pending-title" id="propose-pending">
          <h2 class="h5" id="propose-pending-title">{t("propose.pendingTitle")}</h2>
          <p>{t("propose.pending", dateTime(toDate(pending.expiresAt)!, tz))}</p>
          <ul>
            {pending.alternatives.map((a) => (
              <li key={a.localStart}>
                {dateTime(toDate(a.span?.start)!, tz)}
                {a.operator ? ` (${a.operator.displayName})` : ""}
              </li>
            ))}
          </ul>
          {pending.message && <p class="fst-italic">{pending.message}</p>}
        </section>
      ) : (
        b.status === BookingStatus.CONFIRMED && (
          <form onSubmit={submit} noValidate>
            <h2 class="h5">{t("propose.pickTitle")}</h2>
            <SlotPicker resourceId={b.resourceId} day={isoDate(start, tz)} chosenAll={slots} onChoose={toggle} />
            <p aria-live="polite" id="propose-chosen">
              {slots.length > 0 && t("propose.chosen", slots.map((s) => dateTime(toDate(s.start)!, zone || tz)).join("; "))}
            </p>
            {err.fields.alternatives && (
              <div class="invalid-feedback d-block mb-3" role="alert" id="propose-slot-error">
                {err.fields.alternatives}
              </div>
            )}
            {err.msg && <Alert kind="danger">{err.msg}</Alert>}
            <TextArea id="propose-message" label={t("propose.message")} value={message} onInput={setMessage} error={err.fields.message} maxLength={500} />
            <Field id="propose-hours" label={t("propose.hours")} hint={t("propose.hoursHint")} value={hours} onInput={setHours} inputMode="numeric" error={err.fields.valid_for} />
            <div class="d-flex gap-2 mb-4">
              <button type="submit" class="btn btn-primary" disabled={busy} id="propose-send">
                {t("propose.send")}
              </button>
              <a class="btn btn-outline-secondary" href="#/">
                {t("cancel.back")}
              </a>
            </div>
          </form>
        )
      )}
      {earlier.length > 0 && (
        <section aria-labelledby="propose-earlier-title">
          <h2 class="h5" id="propose-earlier-title">{t("propose.historyTitle")}</h2>
          <ul id="propose-earlier">
            {earlier.map((p) => (
              <li key={p.id}>
                {dateTime(toDate(p.createdAt)!, tz)}: {t(`propose.status.${p.status}` as Key)}
                {p.chosen > 0 && p.alternatives[p.chosen - 1] ? ` — ${dateTime(toDate(p.alternatives[p.chosen - 1].span?.start)!, tz)}` : ""}
              </li>
            ))}
          </ul>
        </section>
      )}
      {b.mode === Mode.VIDEO_CALL && b.status === BookingStatus.CONFIRMED && <MeetingForm booking={b} onSaved={setB} />}
    </>
  );
}

function MeetingForm({ booking, onSaved }: { booking: Booking; onSaved: (b: Booking) => void }) {
  const [url, setUrl] = useState(booking.meetingUrl);
  const [err, setErr] = useState("");
  const [ok, setOk] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setOk(false);
    try {
      const r = await admin.setBookingMeetingUrl({ bookingId: booking.id, meetingUrl: url });
      setErr("");
      setOk(true);
      if (r.booking) onSaved(r.booking);
    } catch (x) {
      const p = problem(x);
      setErr(p.fields.meeting_url || p.message);
    }
  };
  return (
    <form onSubmit={save} noValidate aria-labelledby="meeting-title">
      <h2 class="h5" id="meeting-title">{t("meeting.title")}</h2>
      <Field id="meeting-url" label={t("meeting.url")} hint={t("meeting.hint")} type="url" value={url} onInput={setUrl} error={err} maxLength={500} />
      {ok && <Alert kind="success" id="meeting-saved">{t("meeting.saved")}</Alert>}
      <button type="submit" class="btn btn-primary" id="meeting-save">
        {t("meeting.save")}
      </button>
    </form>
  );
}
