// Moving a booking: the operator picks another free slot of the same
// service in its week grid and says why; the server makes a new booking,
// marks the old one RESCHEDULED and tells the citizen.
import { useEffect, useState } from "preact/hooks";
import { problem } from "../shared/api";
import type { Booking } from "../gen/varco/v1/booking_pb";
import type { Slot } from "../gen/varco/v1/catalog_pb";
import { dateTime, isoDate, toDate } from "../shared/format";
import { Alert, Loading, TextArea, Title } from "../shared/ui";
import { admin } from "./api";
import { agendaRoute } from "./agenda";
import { t } from "./messages";
import { SlotPicker } from "./slots";

export function MovePage({ id }: { id: string }) {
  const [b, setB] = useState<Booking | undefined>();
  const [slot, setSlot] = useState<{ s: Slot; zone: string } | undefined>();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [done, setDone] = useState<Booking | undefined>();
  // One key for this page: a retry after a lost answer moves it once.
  const [key] = useState(() => crypto.randomUUID());
  useEffect(() => {
    admin
      .getBookingDetails({ bookingId: id })
      .then((r) => setB(r.booking))
      .catch((e) => setErr({ msg: problem(e).message, fields: {} }));
  }, [id]);

  if (!b) return err.msg ? <Alert kind="danger">{err.msg}</Alert> : <Loading label={t("loading")} />;
  const zone = b.place?.timeZone || undefined;
  const who = `${b.beneficiary?.givenName ?? ""} ${b.beneficiary?.familyName ?? ""}`.trim();
  const start = toDate(b.span?.start)!;

  if (done) {
    const at = toDate(done.span?.start)!;
    return (
      <>
        <Title>{t("move.doneTitle")}</Title>
        <Alert kind="success" id="move-done">
          {t("move.done", b.code, done.code, dateTime(at, zone))}
        </Alert>
        <a class="btn btn-primary" id="move-agenda" href={"#/" + agendaRoute({ service: done.resourceId, day: isoDate(at, zone), week: false })}>
          {t("move.toAgenda")}
        </a>
      </>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!slot) {
      setErr({ msg: "", fields: { new_slot_start: t("move.pick") } });
      return;
    }
    setBusy(true);
    try {
      const r = await admin.rescheduleBookingAsOperator({ bookingId: b.id, newSlotStart: slot.s.start, reason, idempotencyKey: key });
      setDone(r.booking);
    } catch (x) {
      const p = problem(x);
      setErr({ msg: p.fields.reason || p.fields.new_slot_start ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("move.title", b.code)}</Title>
      <p id="move-who">{t("move.who", who, b.resourceName, dateTime(start, zone))}</p>
      <form onSubmit={submit} noValidate>
        <h2 class="h5">{t("move.pickTitle")}</h2>
        <SlotPicker resourceId={b.resourceId} day={isoDate(start, zone)} chosen={slot?.s} onChoose={(s, z) => {
          setSlot({ s, zone: z });
          setErr((x) => ({ ...x, fields: { ...x.fields, new_slot_start: "" } }));
        }} />
        <p aria-live="polite" id="move-chosen">
          {slot && t("move.chosen", dateTime(toDate(slot.s.start)!, slot.zone || zone))}
        </p>
        {err.fields.new_slot_start && (
          <div class="invalid-feedback d-block mb-3" role="alert" id="move-slot-error">
            {err.fields.new_slot_start}
          </div>
        )}
        {err.msg && <Alert kind="danger">{err.msg}</Alert>}
        <TextArea id="move-reason" label={t("move.reason")} value={reason} onInput={setReason} error={err.fields.reason} maxLength={500} />
        <div class="d-flex gap-2">
          <button type="submit" class="btn btn-primary" disabled={busy} id="move-confirm">
            {t("move.confirm")}
          </button>
          <a class="btn btn-outline-secondary" href="#/">
            {t("cancel.back")}
          </a>
        </div>
      </form>
    </>
  );
}
