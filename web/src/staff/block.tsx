// Blocking time: an operator of a service (or the whole service) is away
// for a period. The server cancels the bookings in it and tells their
// citizens the reason; those bookings are listed here with their contacts,
// so the desk can call the people to find another time.
import { useState } from "preact/hooks";
import { problem } from "../shared/api";
import type { Booking } from "../gen/varco/v1/booking_pb";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { dateTime, defaultZone, isoDate, toDate } from "../shared/format";
import { Alert, Field, TextArea, Title } from "../shared/ui";
import { admin } from "./api";
import { t } from "./messages";
import { useResources } from "./resources";

/** zoned returns the instant of a local date and time ("2026-12-07",
 * "14:30") in a time zone, whatever zone the browser runs in. */
export function zoned(day: string, hhmm: string, zone: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  const [h, min] = hhmm.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, h, min);
  const offset = (at: number) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(at)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - at;
  };
  // Twice, so a guess on the other side of a DST change corrects itself.
  const first = wall - offset(wall);
  return new Date(wall - offset(first));
}

export function BlockPage({ org, role, query }: { org: string; role: StaffRole; query: URLSearchParams }) {
  const resources = useResources(org, role);
  const [service, setService] = useState(query.get("servizio") ?? "");
  const [operator, setOperator] = useState("");
  const [day, setDay] = useState(query.get("giorno") ?? isoDate(new Date()));
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [done, setDone] = useState<Booking[] | undefined>();
  const res = resources.find((r) => r.id === service) ?? resources[0];

  const submit = async (e: Event) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!/^\d\d:\d\d$/.test(from)) fields.from = t("block.timeNeeded");
    if (!/^\d\d:\d\d$/.test(to)) fields.to = t("block.timeNeeded");
    if (Object.keys(fields).length) {
      setErr({ msg: "", fields });
      return;
    }
    setBusy(true);
    setDone(undefined);
    try {
      const r = await admin.blockSlots({
        resourceId: res?.id ?? "", operatorId: operator, reason,
        period: { start: timestampFromDate(zoned(day, from, defaultZone)), end: timestampFromDate(zoned(day, to, defaultZone)) },
      });
      setErr({ msg: "", fields: {} });
      setDone(r.cancelledBookings);
    } catch (x) {
      const p = problem(x);
      setErr({ msg: p.fields.reason ? "" : p.message, fields: p.fields });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("block.title")}</Title>
      <p>{t("block.lead")}</p>
      <form onSubmit={submit} noValidate>
        <div class="row g-3 mb-3">
          <div class="col-md-6">
            <label for="block-service" class="form-label">
              {t("agenda.service")}
            </label>
            <select id="block-service" class="form-select" value={res?.id ?? ""} onChange={(e) => {
              setService((e.currentTarget as HTMLSelectElement).value);
              setOperator("");
            }}>
              {resources.map((r) => (
                <option value={r.id} key={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div class="col-md-6">
            <label for="block-operator" class="form-label">
              {t("block.who")}
            </label>
            <select id="block-operator" class="form-select" value={operator} onChange={(e) => setOperator((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">{t("block.wholeService")}</option>
              {res?.operators.map((o) => (
                <option value={o.id} key={o.id}>
                  {o.displayName}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="row">
          <div class="col-md-4">
            <Field id="block-day" type="date" label={t("agenda.day")} value={day} onInput={setDay} required error={err.fields.period} />
          </div>
          <div class="col-md-4">
            <Field id="block-from" type="time" label={t("block.from")} value={from} onInput={setFrom} required error={err.fields.from} />
          </div>
          <div class="col-md-4">
            <Field id="block-to" type="time" label={t("block.to")} value={to} onInput={setTo} required error={err.fields.to} />
          </div>
        </div>
        {err.msg && <Alert kind="danger">{err.msg}</Alert>}
        <TextArea id="block-reason" label={t("block.reason")} value={reason} onInput={setReason} error={err.fields.reason} maxLength={500} />
        <button type="submit" class="btn btn-danger" disabled={busy} id="block-confirm">
          {t("block.confirm")}
        </button>
      </form>
      <div role="status" aria-live="polite" class="mt-4">
        {done && (
          <section aria-labelledby="stranded-title" id="block-done">
            <h2 class="h5" id="stranded-title">
              {done.length ? t("block.stranded", done.length) : t("block.noneStranded")}
            </h2>
            {done.length > 0 && (
              <ul class="list-group" id="stranded">
                {done.map((b) => {
                  const w = b.beneficiary;
                  return (
                    <li class="list-group-item" key={b.id} data-code={b.code}>
                      <strong>{dateTime(toDate(b.span?.start)!, b.place?.timeZone || undefined)}</strong> · {b.code} · {w?.givenName} {w?.familyName}
                      <div class="small">
                        {w?.phone && <a href={`tel:${w.phone}`}>{w.phone}</a>} {w?.email && <a href={`mailto:${w.email}`}>{w.email}</a>}
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        )}
      </div>
    </>
  );
}
