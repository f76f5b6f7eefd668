// The audit trail: staff actions and reads of personal data, newest first,
// filtered by who (a staff member), what (an action, or "booking." for
// every booking action) and a period of local dates, 50 events a page.
// Organizer only; reading it is itself recorded by the server.
import { useEffect, useState } from "preact/hooks";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AuditEvent, StaffMember } from "../gen/varco/v1/admin_pb";
import { PrincipalKind } from "../gen/varco/v1/common_pb";
import { problem } from "../shared/api";
import { addDays, dateTime, defaultZone, isoDate, toDate } from "../shared/format";
import { Alert, Loading, Title } from "../shared/ui";
import { admin } from "./api";
import { t, type Key } from "./messages";

/** actions offered in the filter; any other can be typed. */
const knownActions = ["booking.", "booking.view", "calendar.view", "AdminService.CancelBookingAsOperator", "AdminService.MarkAttendance", "export."];

const kinds: Partial<Record<PrincipalKind, Key>> = {
  [PrincipalKind.STAFF]: "audit.kind.staff",
  [PrincipalKind.DEVICE]: "audit.kind.device",
  [PrincipalKind.CITIZEN]: "audit.kind.citizen",
  [PrincipalKind.SYSTEM]: "audit.kind.system",
};

/** zonedStart is the instant a local date begins in zone (midnight there),
 * whatever the computer's own zone. */
export function zonedStart(iso: string, zone = defaultZone): Date {
  const [y, m, d] = iso.split("-").map(Number);
  let at = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i++) {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(at))
      .reduce<Record<string, number>>((o, p) => (p.type === "literal" ? o : { ...o, [p.type]: Number(p.value) }), {});
    const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    at += Date.UTC(y, m - 1, d) - shown;
  }
  return new Date(at);
}

export function AuditPage({ org }: { org: string }) {
  const today = isoDate(new Date());
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [list, setList] = useState<AuditEvent[] | undefined>();
  const [next, setNext] = useState("");
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });

  useEffect(() => {
    admin
      .listStaff({ organizationId: org })
      .then((r) => setStaff(r.members))
      .catch(() => setStaff([]));
  }, [org]);

  const load = async (token = "") => {
    setErr({ msg: "", fields: {} });
    try {
      const r = await admin.listAuditEvents({
        organizationId: org, actorId: actor, action: action.trim(), pageSize: 50, pageToken: token,
        since: from ? timestampFromDate(zonedStart(from)) : undefined,
        until: to ? timestampFromDate(zonedStart(addDays(to, 1))) : undefined,
      });
      setList((l) => (token && l ? [...l, ...r.events] : r.events));
      setNext(r.nextPageToken);
    } catch (e) {
      const p = problem(e);
      setList(undefined);
      setErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    }
  };
  useEffect(() => {
    void load();
  }, [org]);

  const staffName = new Map(staff.map((m) => [m.accountId, m.displayName || m.email]));
  const fieldErr = (field: string, id: string) =>
    err.fields[field] && (
      <div id={`${id}-error`} class="invalid-feedback d-block" role="alert">
        {err.fields[field]}
      </div>
    );
  const invalid = (field: string, id: string) => ({
    class: "form-control" + (err.fields[field] ? " is-invalid" : ""),
    "aria-invalid": err.fields[field] ? ("true" as const) : undefined,
    "aria-describedby": err.fields[field] ? `${id}-error` : undefined,
  });

  return (
    <>
      <Title>{t("audit.title")}</Title>
      <p>{t("audit.lead")}</p>
      <form class="row g-3 align-items-end mb-4" id="audit-filters" onSubmit={(e) => { e.preventDefault(); setList(undefined); void load(); }}>
        <div class="col-md-3">
          <label for="audit-actor" class="form-label">
            {t("audit.actor")}
          </label>
          <select id="audit-actor" class="form-select" value={actor} onChange={(e) => setActor((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t("audit.anyone")}</option>
            {staff.map((m) => (
              <option value={m.accountId} key={m.accountId}>
                {m.displayName || m.email}
              </option>
            ))}
          </select>
        </div>
        <div class="col-md-3">
          <label for="audit-action" class="form-label">
            {t("audit.action")}
          </label>
          <input id="audit-action" list="audit-actions" value={action} {...invalid("action", "audit-action")}
            aria-describedby={err.fields.action ? "audit-action-error" : "audit-action-hint"}
            onInput={(e) => setAction((e.currentTarget as HTMLInputElement).value)} />
          <datalist id="audit-actions">
            {knownActions.map((a) => (
              <option value={a} key={a} />
            ))}
          </datalist>
          <small id="audit-action-hint" class="form-text">
            {t("audit.actionHint")}
          </small>
          {fieldErr("action", "audit-action")}
        </div>
        <div class="col-md-2">
          <label for="audit-from" class="form-label">
            {t("stats.from")}
          </label>
          <input id="audit-from" type="date" value={from} {...invalid("since", "audit-from")} onChange={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
          {fieldErr("since", "audit-from")}
        </div>
        <div class="col-md-2">
          <label for="audit-to" class="form-label">
            {t("stats.to")}
          </label>
          <input id="audit-to" type="date" value={to} {...invalid("until", "audit-to")} onChange={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
          {fieldErr("until", "audit-to")}
        </div>
        <div class="col-md-2">
          <button type="submit" class="btn btn-primary" id="audit-show">
            {t("stats.show")}
          </button>
        </div>
      </form>
      {err.msg && <Alert kind="danger">{err.msg}</Alert>}
      {!list && !err.msg && !Object.keys(err.fields).length && <Loading label={t("loading")} />}
      {list && list.length === 0 && (
        <p class="text-muted" id="audit-none">
          {t("audit.none")}
        </p>
      )}
      {list && list.length > 0 && (
        <div class="table-responsive" tabIndex={0} role="region" aria-label={t("audit.caption")}>
          <table class="table table-sm" id="audit-table">
            <caption>{t("audit.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("hook.when")}</th>
                <th scope="col">{t("audit.actor")}</th>
                <th scope="col">{t("audit.action")}</th>
                <th scope="col">{t("audit.target")}</th>
                <th scope="col">{t("audit.detail")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => {
                const at = toDate(e.at);
                const kind = e.actor ? kinds[e.actor.kind] : undefined;
                return (
                  <tr key={e.id} data-action={e.action} data-target={e.targetId} data-actor={e.actor?.id}>
                    <th scope="row">{at ? dateTime(at) : "—"}</th>
                    <td>
                      {/* The trail keeps the actor's id; the name comes
                          from today's staff list when it is not recorded. */}
                      {e.actor?.displayName || staffName.get(e.actor?.id ?? "") || e.actor?.id || "—"}
                      {kind && <span class="d-block small">{t(kind)}</span>}
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td class="text-break">
                      {e.targetType} {e.targetId}
                    </td>
                    <td class="text-break">{e.detail}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" class="btn btn-outline-primary" id="audit-more" onClick={() => void load(next)}>
          {t("audit.more")}
        </button>
      )}
    </>
  );
}
