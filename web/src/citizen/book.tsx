// The booking flow of the Designers Italia appointment model: date and time →
// applicant → details → summary, with the hold's countdown from the moment a
// slot is reserved, then the confirmation page.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import { checkCF } from "../shared/cf";
import { currentLang } from "../shared/i18n";
import { dateLong, time, toDate } from "../shared/format";
import type { GetResourceResponse } from "../gen/varco/v1/catalog_pb";
import type { Hold } from "../gen/varco/v1/booking_pb";
import { ConsentKind } from "../gen/varco/v1/booking_pb";
import { go } from "../shared/router";
import { useSession } from "./session";
import { WeekGrid, type Choice } from "./grid";
import { LoginForm } from "./login";
import { Countdown } from "./hold";
import { GuestFlow } from "./guest";
import { GuestBooking, ResourceKind } from "../gen/varco/v1/catalog_pb";
import { JoinPanel, useOffer } from "./waitlist";
import { cfMessage, t } from "./messages";
import { Alert, Check, Field, Loading, Steps, TextArea, Title, Crumbs } from "../shared/ui";

type Step = 0 | 1 | 2 | 3;

interface Details {
  forOther: boolean;
  givenName: string;
  familyName: string;
  codiceFiscale: string;
  email: string;
  phone: string;
  reason: string;
  notes: string;
  privacy: boolean;
  acks: Record<string, boolean>;
}

const emptyDetails: Details = { forOther: false, givenName: "", familyName: "", codiceFiscale: "", email: "", phone: "", reason: "", notes: "", privacy: false, acks: {} };

/** releaseOnLeave frees a hold the citizen walked away from, even when the
 * page is closed (keepalive outlives the page). */
function releaseBeacon(holdId: string) {
  try {
    fetch("/varco.v1.BookingService/ReleaseHold", {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1" },
      body: JSON.stringify({ holdId }),
    });
  } catch {
    /* best effort: the hold lapses by itself */
  }
}

/** Book is the flow; with offer (a waiting-list entry id) it starts at the
 * details step on the seats the waiting list holds for the citizen. */
export function Book({ resourceId, offer = "" }: { resourceId: string; offer?: string }) {
  const session = useSession();
  const [res, setRes] = useState<GetResourceResponse | null>(null);
  const [step, setStep] = useState<Step>(0);
  const [choice, setChoice] = useState<Choice | null>(null);
  const [hold, setHold] = useState<Hold | null>(null);
  const [d, setD] = useState<Details>(emptyDetails);
  const [err, setErr] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [lapsed, setLapsed] = useState(false);
  const [guest, setGuest] = useState(false);
  const idem = useRef("");
  const holdRef = useRef<Hold | null>(null);
  const confirmed = useRef(false);
  holdRef.current = hold;
  // An offer stays the citizen's until it lapses: leaving the page does not
  // decline it (they can come back from their waiting list).
  const keep = useRef(false);
  useOffer(offer, (h) => {
    keep.current = true;
    setHold(h);
    idem.current = crypto.randomUUID();
    setStep(2);
  }, setErr);

  useEffect(() => {
    api.catalog.getResource({ resourceId }).then(setRes, (e) => setErr(problem(e).message));
  }, [resourceId]);

  // Leaving the flow releases the hold.
  useEffect(() => {
    const onHide = () => holdRef.current && !confirmed.current && !keep.current && releaseBeacon(holdRef.current.id);
    addEventListener("pagehide", onHide);
    return () => {
      removeEventListener("pagehide", onHide);
      if (holdRef.current && !confirmed.current && !keep.current) api.booking.releaseHold({ holdId: holdRef.current.id }).catch(() => {});
    };
  }, []);

  if (!res) return err ? <Alert kind="danger">{err}</Alert> : <Loading label={t("loading")} />;
  const r = res.resource!;
  const zone = res.place?.timeZone || "Europe/Rome";
  const labels = [t("step.when"), t("step.who"), t("step.details"), t("step.summary")];

  const takeHold = async (c: Choice) => {
    setBusy(true);
    setErr("");
    setLapsed(false);
    try {
      if (hold) await api.booking.releaseHold({ holdId: hold.id }).catch(() => {});
      keep.current = false;
      const h = await api.booking.holdSlots({
        resourceId: r.id, slotStart: c.slot.start, slotCount: c.count, seats: c.seats, operatorId: c.operatorId,
      });
      setHold(h.hold!);
      idem.current = crypto.randomUUID();
      setStep(2);
    } catch (e) {
      setErr(problem(e).message);
      setStep(0);
    } finally {
      setBusy(false);
    }
  };

  const onChoose = (c: Choice) => {
    setChoice(c);
    if (session.account) takeHold(c);
    else setStep(1);
  };

  const onLapse = () => {
    setHold(null);
    setLapsed(true);
    setStep(0);
  };

  const validateDetails = (): boolean => {
    const f: Record<string, string> = {};
    if (d.forOther) {
      if (!d.givenName.trim()) f["beneficiary.given_name"] = t("form.required");
      if (!d.familyName.trim()) f["beneficiary.family_name"] = t("form.required");
      const cf = checkCF(d.codiceFiscale);
      if (cf) f["beneficiary.codice_fiscale"] = cfMessage(cf);
    }
    if (!d.privacy) f["consents"] = t("privacy.required");
    for (const a of r.acknowledgements) if (!d.acks[a.id]) f[`ack.${a.id}`] = t("ack.required");
    setFields(f);
    return Object.keys(f).length === 0;
  };

  const confirm = async () => {
    if (!hold) return;
    setBusy(true);
    setErr("");
    const req = {
      holdId: hold.id,
      idempotencyKey: idem.current,
      beneficiary: d.forOther
        ? { givenName: d.givenName, familyName: d.familyName, codiceFiscale: d.codiceFiscale, email: d.email, phone: d.phone }
        : undefined,
      reason: d.reason,
      notes: d.notes,
      consents: [ConsentKind.PRIVACY],
      acknowledgementIds: r.acknowledgements.filter((a) => d.acks[a.id]).map((a) => a.id),
      language: currentLang(),
    };
    // A connection lost during confirm is retried with the same idempotency
    // key: the server books once and answers every retry with that booking.
    for (let attempt = 0; ; attempt++) {
      try {
        const b = await api.booking.confirmBooking(req);
        confirmed.current = true;
        go(`conferma/${b.booking!.id}`);
        return;
      } catch (e) {
        const p = problem(e);
        if (p.network && attempt < 4) {
          setErr(t("confirm.retrying"));
          await new Promise((ok) => setTimeout(ok, 500 * 2 ** attempt));
          continue;
        }
        setBusy(false);
        if (Object.keys(p.fields).length) {
          setFields(p.fields);
          setStep(2);
          setErr(t("form.fix"));
        } else {
          setErr(p.network ? t("confirm.offline") : p.message);
        }
        return;
      }
    }
  };

  const start = hold ? toDate(hold.span?.start)! : undefined;
  const end = hold ? toDate(hold.span?.end)! : undefined;
  return (
    <>
      <Crumbs label={t("breadcrumb")} items={[{ href: "#/", text: t("nav.home") }, { href: `#/servizio/${r.id}`, text: r.name }]} current={t("book.title")} />
      <Title>
        {t("book.title")}: {r.name}
      </Title>
      <Steps labels={labels} current={step} />
      {lapsed && <Alert kind="warning">{t("hold.lapsed")}</Alert>}
      {err && <Alert kind={busy ? "warning" : "danger"}>{err}</Alert>}
      {hold && step >= 2 && <Countdown expiresAt={toDate(hold.expiresAt)!} onLapse={onLapse} />}

      {step === 0 && (
        <section aria-labelledby="step-when">
          <h2 class="h4" id="step-when">
            {t("step.when")}
          </h2>
          <WeekGrid resource={r} zone={zone} onChoose={onChoose} busy={busy} action={t("book.continue")}
            waitlist={r.kind === ResourceKind.EVENT ? (slot, seats) => <JoinPanel resource={r} slot={slot} seats={seats} /> : undefined} />
        </section>
      )}

      {step === 1 && guest && choice && <GuestFlow r={r} choice={choice} onBack={() => { setGuest(false); setStep(0); }} />}

      {step === 1 && !guest && (
        <section aria-labelledby="step-who">
          <h2 class="h4 visually-hidden" id="step-who">
            {t("step.who")}
          </h2>
          <p>{t("book.loginFirst")}</p>
          <LoginForm onDone={() => choice && takeHold(choice)} />
          {r.guestBooking !== GuestBooking.UNSPECIFIED && (
            <div class="mt-4">
              <p>{t("guest.offerHint")}</p>
              <button type="button" class="btn btn-outline-primary" id="guest-offer" onClick={() => setGuest(true)}>
                {t("guest.offer")}
              </button>
            </div>
          )}
        </section>
      )}

      {step === 2 && hold && (
        <form
          aria-labelledby="step-details"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (validateDetails()) setStep(3);
          }}
        >
          <h2 class="h4" id="step-details">
            {t("step.details")}
          </h2>
          <fieldset class="mb-4">
            <legend class="h6">{t("book.forWhom")}</legend>
            <div class="form-check">
              <input type="radio" name="for" id="for-me" checked={!d.forOther} onChange={() => setD({ ...d, forOther: false })} />
              <label for="for-me">
                {t("book.forMe")}
                {session.account ? ` (${session.account.givenName} ${session.account.familyName}, ${session.account.codiceFiscale})` : ""}
              </label>
            </div>
            <div class="form-check">
              <input type="radio" name="for" id="for-other" checked={d.forOther} onChange={() => setD({ ...d, forOther: true })} />
              <label for="for-other">{t("book.forOther")}</label>
            </div>
          </fieldset>
          {d.forOther && (
            <fieldset class="mb-2">
              <legend class="h6">{t("book.beneficiary")}</legend>
              <Field id="b_cf" label={t("person.cf")} value={d.codiceFiscale} maxLength={16} required onInput={(v) => setD({ ...d, codiceFiscale: v })}
                error={fields["beneficiary.codice_fiscale"] ?? (d.codiceFiscale.length >= 16 && checkCF(d.codiceFiscale) ? cfMessage(checkCF(d.codiceFiscale)!) : undefined)} />
              <Field id="b_given" label={t("person.given")} value={d.givenName} required onInput={(v) => setD({ ...d, givenName: v })} error={fields["beneficiary.given_name"]} />
              <Field id="b_family" label={t("person.family")} value={d.familyName} required onInput={(v) => setD({ ...d, familyName: v })} error={fields["beneficiary.family_name"]} />
              <Field id="b_email" label={t("person.email")} type="email" value={d.email} onInput={(v) => setD({ ...d, email: v })} error={fields["beneficiary.email"]} />
              <Field id="b_phone" label={t("person.phone")} type="tel" value={d.phone} onInput={(v) => setD({ ...d, phone: v })} error={fields["beneficiary.phone"]} />
            </fieldset>
          )}
          <Field id="reason" label={t("book.reason")} value={d.reason} maxLength={500} onInput={(v) => setD({ ...d, reason: v })} error={fields["reason"]} />
          <TextArea id="notes" label={t("book.notes")} value={d.notes} maxLength={2000} onInput={(v) => setD({ ...d, notes: v })} error={fields["notes"]} />
          {r.documentsToBring.length > 0 && (
            <div class="callout note mb-4">
              <div class="callout-title">{t("service.documents")}</div>
              <ul class="mb-0">
                {r.documentsToBring.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            </div>
          )}
          {r.acknowledgements.map((a) => (
            <Check key={a.id} id={`ack-${a.id}`} label={a.text} checked={!!d.acks[a.id]}
              onChange={(v) => setD({ ...d, acks: { ...d.acks, [a.id]: v } })} error={fields[`ack.${a.id}`] ?? fields["acknowledgement_ids"]} />
          ))}
          <Check id="privacy" label={t("privacy.consentBooking")} checked={d.privacy} onChange={(v) => setD({ ...d, privacy: v })} error={fields["consents"]} />
          <div class="d-flex gap-2 mt-4">
            <button type="button" class="btn btn-outline-primary" onClick={() => setStep(0)}>
              {t("book.back")}
            </button>
            <button type="submit" class="btn btn-primary flex-grow-1" id="to-summary">
              {t("book.continue")}
            </button>
          </div>
        </form>
      )}

      {step === 3 && hold && start && end && (
        <section aria-labelledby="step-summary">
          <h2 class="h4" id="step-summary">
            {t("step.summary")}
          </h2>
          <dl class="row">
            <dt class="col-sm-4">{t("summary.service")}</dt>
            <dd class="col-sm-8">{r.name}</dd>
            <dt class="col-sm-4">{t("summary.place")}</dt>
            <dd class="col-sm-8">{res.place?.name}</dd>
            <dt class="col-sm-4">{t("summary.when")}</dt>
            <dd class="col-sm-8">
              {dateLong(start, zone)}, {time(start, zone)}–{time(end, zone)}
            </dd>
            {hold.seats > 1 && (
              <>
                <dt class="col-sm-4">{t("summary.seats")}</dt>
                <dd class="col-sm-8">{hold.seats}</dd>
              </>
            )}
            {hold.operator && (
              <>
                <dt class="col-sm-4">{t("summary.operator")}</dt>
                <dd class="col-sm-8">{hold.operator.displayName}</dd>
              </>
            )}
            <dt class="col-sm-4">{t("summary.for")}</dt>
            <dd class="col-sm-8">
              {d.forOther ? `${d.givenName} ${d.familyName} (${d.codiceFiscale.toUpperCase()})` : `${session.account?.givenName ?? ""} ${session.account?.familyName ?? ""}`}
            </dd>
            {d.reason && (
              <>
                <dt class="col-sm-4">{t("book.reason")}</dt>
                <dd class="col-sm-8">{d.reason}</dd>
              </>
            )}
          </dl>
          <div class="d-flex gap-2 mt-4">
            <button type="button" class="btn btn-outline-primary" onClick={() => setStep(2)} disabled={busy}>
              {t("book.back")}
            </button>
            <button type="button" class="btn btn-primary flex-grow-1" id="confirm" disabled={busy} onClick={confirm}>
              {t("book.confirm")}
            </button>
          </div>
        </section>
      )}
    </>
  );
}

