// The waiting lists of an organization's full event slots, for operators
// and organizers (AdminService.ListWaitlist, audited as waitlist.view): one
// event, optionally one slot, each slot's line in order with who waits, the
// seats, when they joined and where their offer stands.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import { WaitlistState, type WaitlistEntry } from "../gen/varco/v1/waitlist_pb";
import { problem } from "../shared/api";
import { dateLong, dateTime, time, toDate } from "../shared/format";
import { go } from "../shared/router";
import { Alert, Loading, Title } from "../shared/ui";
import { admin } from "./api";
import { t } from "./messages";
import { useResources } from "./resources";

const zone = "Europe/Rome";

function stateText(s: WaitlistState): string {
  switch (s) {
    case WaitlistState.WAITING:
      return t("wl.state.waiting");
    case WaitlistState.OFFERED:
      return t("wl.state.offered");
    case WaitlistState.CONVERTED:
      return t("wl.state.converted");
    case WaitlistState.LAPSED:
      return t("wl.state.lapsed");
    case WaitlistState.DECLINED:
      return t("wl.state.declined");
    case WaitlistState.LEFT:
      return t("wl.state.left");
    case WaitlistState.CLOSED:
      return t("wl.state.closed");
  }
  return "";
}

const slotKey = (e: WaitlistEntry) => toDate(e.slot?.start)!.toISOString();

/** WaitlistPage is #/lista-attesa?risorsa=<id>&inizio=<slot start, ISO>&tutte=1. */
export function WaitlistPage({ org, role, query }: { org: string; role: StaffRole; query: URLSearchParams }) {
  const events = useResources(org, role).filter((r) => r.kind === ResourceKind.EVENT);
  const resource = query.get("risorsa") || events[0]?.id || "";
  const slot = query.get("inizio") ?? "";
  const ended = query.get("tutte") === "1";
  const [list, setList] = useState<WaitlistEntry[] | null>(null);
  const [slots, setSlots] = useState<string[]>([]);
  const [err, setErr] = useState("");
  const [tick, setTick] = useState(0);

  // The route holds the choices, so a reload or a link keeps them.
  const choose = (r: string, s: string, all: boolean) => {
    const q = new URLSearchParams();
    if (r) q.set("risorsa", r);
    if (s) q.set("inizio", s);
    if (all) q.set("tutte", "1");
    go(`lista-attesa?${q}`);
  };

  useEffect(() => {
    if (!resource) return;
    let live = true;
    setList(null);
    setErr("");
    admin
      .listWaitlist({ organizationId: org, resourceId: resource, slotStart: slot ? timestampFromDate(new Date(slot)) : undefined, includeEnded: ended })
      .then((r) => {
        if (!live) return;
        setList(r.entries);
        // The slot chooser offers the slots that have a line (of the whole
        // event, so choosing one does not hide the others).
        if (!slot) setSlots([...new Set(r.entries.map(slotKey))]);
      })
      .catch((e) => live && setErr(problem(e).message));
    return () => {
      live = false;
    };
  }, [org, resource, slot, ended, tick]);

  const bySlot = new Map<string, WaitlistEntry[]>();
  for (const e of list ?? []) bySlot.set(slotKey(e), [...(bySlot.get(slotKey(e)) ?? []), e]);
  const slotChoices = slot && !slots.includes(slot) ? [slot, ...slots] : slots;
  return (
    <>
      <Title>{t("wl.title")}</Title>
      <p>{t("wl.lead")}</p>
      {events.length === 0 && <p class="text-muted">{t("occ.noEvents")}</p>}
      {events.length > 0 && (
        <div class="row g-3 align-items-end mb-3">
          <div class="col-md-4">
            <label for="wl-event" class="form-label">
              {t("occ.event")}
            </label>
            <select id="wl-event" class="form-select" value={resource} onChange={(e) => choose((e.currentTarget as HTMLSelectElement).value, "", ended)}>
              {events.map((r) => (
                <option value={r.id} key={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div class="col-md-4">
            <label for="wl-slot" class="form-label">
              {t("wl.slot")}
            </label>
            <select id="wl-slot" class="form-select" value={slot} onChange={(e) => choose(resource, (e.currentTarget as HTMLSelectElement).value, ended)}>
              <option value="">{t("wl.allSlots")}</option>
              {slotChoices.map((s) => (
                <option value={s} key={s}>
                  {dateTime(new Date(s), zone)}
                </option>
              ))}
            </select>
          </div>
          <div class="col-md-4">
            <div class="form-check">
              <input type="checkbox" id="wl-ended" checked={ended} onChange={(e) => choose(resource, slot, (e.currentTarget as HTMLInputElement).checked)} />
              <label for="wl-ended">{t("wl.includeEnded")}</label>
            </div>
            <button type="button" class="btn btn-outline-primary btn-sm mt-2" id="wl-refresh" onClick={() => setTick(tick + 1)}>
              {t("wl.refresh")}
            </button>
          </div>
        </div>
      )}
      {err && <Alert kind="danger">{err}</Alert>}
      {resource && !err && !list && <Loading label={t("loading")} />}
      {list && list.length === 0 && (
        <p class="text-muted" id="wl-none">
          {t("wl.none")}
        </p>
      )}
      {[...bySlot].map(([key, entries]) => {
        const s = new Date(key);
        const end = toDate(entries[0].slot?.end);
        return (
          <section class="mb-4" key={key} aria-labelledby={`wl-${s.getTime()}`}>
            <h2 class="h5" id={`wl-${s.getTime()}`}>
              {dateLong(s, zone)}, {time(s, zone)}
              {end ? `–${time(end, zone)}` : ""}
            </h2>
            <div class="table-responsive" tabIndex={0} role="region" aria-labelledby={`wl-${s.getTime()}`}>
              <table class="table" data-slot={key}>
                <caption class="visually-hidden">{t("wl.caption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("wl.position")}</th>
                    <th scope="col">{t("wl.name")}</th>
                    <th scope="col">{t("wl.email")}</th>
                    <th scope="col">{t("wl.seats")}</th>
                    <th scope="col">{t("wl.joined")}</th>
                    <th scope="col">{t("wl.state")}</th>
                    <th scope="col">{t("wl.offerUntil")}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => {
                    const until = toDate(e.offerExpiresAt);
                    return (
                      <tr key={e.id} data-entry={e.id} data-state={WaitlistState[e.state]} data-position={e.position}>
                        <th scope="row">{e.position > 0 ? e.position : "—"}</th>
                        <td>{e.personName}</td>
                        <td>{e.personEmail}</td>
                        <td>{e.seats}</td>
                        <td>{dateTime(toDate(e.joinedAt)!, zone)}</td>
                        <td>{stateText(e.state)}</td>
                        <td>{until && e.state === WaitlistState.OFFERED ? time(until, zone) : "—"}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </>
  );
}
