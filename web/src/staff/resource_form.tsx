// A group, service or event with every field the API has: where and under
// which group it sits, the texts citizens read, how it is booked (modes,
// operators) and its booking policy (window, notice, hold, limits,
// cancellations, reminders, tickets and the venue's occupancy cap).
import { useEffect, useState } from "preact/hooks";
import type { Resource } from "../gen/varco/v1/catalog_pb";
import { GuestBooking, MeetingKind, Mode, ResourceKind } from "../gen/varco/v1/catalog_pb";
import { problem } from "../shared/api";
import { Alert, Check, Field, Loading, TextArea, Title } from "../shared/ui";
import { admin, catalog } from "./api";
import { kindLabel, useTree } from "./catalog_tree";
import { usePlaces } from "./places";
import { durationOf, errorAt, failure, Fieldset, intOf, minutesText, noFailure, Select, type Failure } from "./setup_form";
import { s, type SetupKey } from "./setup_messages";

interface Op {
  id: string;
  name: string;
}

interface Form {
  kind: ResourceKind;
  placeId: string;
  parentId: string;
  name: string;
  description: string;
  position: string;
  active: boolean;
  documents: string;
  acks: { id: string; text: string }[];
  modes: Mode[];
  operators: Op[];
  operatorChoice: boolean;
  ticketed: boolean;
  // policy
  opensDaysAhead: string;
  minNotice: string;
  sameDayCutoff: string;
  hold: string;
  maxConsecutive: string;
  maxSeats: string;
  maxActive: string;
  cancelCutoff: string;
  reminderLead: string;
  // tickets
  validBefore: string;
  validAfter: string;
  maxStay: string;
  warningLead: string;
  reentry: boolean;
  maxInside: string;
  offlineMaxAge: string;
  // video calls
  meetingKind: MeetingKind;
  // booking without an account
  guestBooking: GuestBooking;
  meetingUrl: string;
}

function blank(placeId: string, parentId: string): Form {
  return {
    kind: ResourceKind.APPOINTMENT, placeId, parentId, name: "", description: "", position: "0", active: true, documents: "",
    acks: [], modes: [Mode.IN_PERSON], operators: [{ id: "", name: "" }], operatorChoice: false, ticketed: false,
    opensDaysAhead: "30", minNotice: "60", sameDayCutoff: "", hold: "10", maxConsecutive: "1", maxSeats: "1", maxActive: "0",
    cancelCutoff: "60", reminderLead: "1440", validBefore: "", validAfter: "", maxStay: "", warningLead: "", reentry: false,
    maxInside: "0", offlineMaxAge: "", meetingKind: MeetingKind.UNSPECIFIED, meetingUrl: "", guestBooking: GuestBooking.UNSPECIFIED,
  };
}

function formOf(r: Resource): Form {
  const p = r.policy, tk = p?.tickets;
  const num = (n: number | undefined) => String(n ?? 0);
  return {
    kind: r.kind, placeId: r.placeId, parentId: r.parentId, name: r.name, description: r.description, position: String(r.position),
    active: r.active, documents: r.documentsToBring.join("\n"), acks: r.acknowledgements.map((a) => ({ id: a.id, text: a.text })),
    modes: [...r.modes], operators: r.operators.map((o) => ({ id: o.id, name: o.displayName })), operatorChoice: r.operatorChoice,
    ticketed: r.ticketed, opensDaysAhead: num(p?.opensDaysAhead), minNotice: minutesText(p?.minNotice), sameDayCutoff: p?.sameDayCutoff ?? "",
    hold: minutesText(p?.holdDuration), maxConsecutive: num(p?.maxConsecutiveSlots), maxSeats: num(p?.maxSeatsPerBooking),
    maxActive: num(p?.maxActiveBookingsPerPerson), cancelCutoff: minutesText(p?.cancelCutoff), reminderLead: minutesText(p?.reminderLead),
    validBefore: minutesText(tk?.validBeforeStart), validAfter: minutesText(tk?.validAfterEnd), maxStay: minutesText(tk?.maxStay),
    warningLead: minutesText(tk?.warningLead), reentry: tk?.allowReentry ?? false, maxInside: num(tk?.maxInside),
    offlineMaxAge: minutesText(tk?.offlineMaxAge),
    meetingKind: r.meeting?.kind ?? MeetingKind.UNSPECIFIED, meetingUrl: r.meeting?.url ?? "", guestBooking: r.guestBooking,
  };
}

/** resourceOf builds the request's resource from the form: a group carries
 * no booking fields (the server refuses them on a group). */
function resourceOf(f: Form, org: string, id: string) {
  const group = f.kind === ResourceKind.GROUP;
  const lines = (v: string) => v.split("\n").map((x) => x.trim()).filter(Boolean);
  return {
    id, organizationId: org, placeId: f.placeId, parentId: f.parentId, kind: f.kind, name: f.name, description: f.description,
    position: intOf(f.position), active: f.active, documentsToBring: lines(f.documents),
    acknowledgements: group ? [] : f.acks.filter((a) => a.text.trim() !== "" || a.id !== ""),
    modes: group ? [] : f.modes,
    operators: f.kind === ResourceKind.APPOINTMENT ? f.operators.filter((o) => o.id || o.name.trim()).map((o) => ({ id: o.id, displayName: o.name })) : [],
    operatorChoice: f.kind === ResourceKind.APPOINTMENT && f.operatorChoice,
    ticketed: !group && f.ticketed,
    guestBooking: group ? GuestBooking.UNSPECIFIED : f.guestBooking,
    meeting: !group && f.meetingKind !== MeetingKind.UNSPECIFIED ? { kind: f.meetingKind, url: f.meetingUrl.trim() } : undefined,
    policy: group ? undefined : {
      opensDaysAhead: intOf(f.opensDaysAhead), minNotice: durationOf(f.minNotice), sameDayCutoff: f.sameDayCutoff,
      holdDuration: durationOf(f.hold), maxConsecutiveSlots: intOf(f.maxConsecutive), maxSeatsPerBooking: intOf(f.maxSeats),
      maxActiveBookingsPerPerson: intOf(f.maxActive), cancelCutoff: durationOf(f.cancelCutoff), reminderLead: durationOf(f.reminderLead),
      tickets: f.ticketed ? {
        validBeforeStart: durationOf(f.validBefore), validAfterEnd: durationOf(f.validAfter), maxStay: durationOf(f.maxStay),
        warningLead: durationOf(f.warningLead), allowReentry: f.reentry, maxInside: intOf(f.maxInside), offlineMaxAge: durationOf(f.offlineMaxAge),
      } : undefined,
    },
  };
}

// Every form field whose error shows under it: form key → request path.
const paths = {
  kind: "resource.kind", placeId: "resource.place_id", parentId: "resource.parent_id", name: "resource.name",
  description: "resource.description", position: "resource.position", documents: "resource.documents_to_bring",
  acks: "resource.acknowledgements", modes: "resource.modes", operators: "resource.operators", operatorChoice: "resource.operator_choice",
  ticketed: "resource.ticketed", opensDaysAhead: "resource.policy.opens_days_ahead", minNotice: "resource.policy.min_notice",
  sameDayCutoff: "resource.policy.same_day_cutoff", hold: "resource.policy.hold_duration",
  maxConsecutive: "resource.policy.max_consecutive_slots", maxSeats: "resource.policy.max_seats_per_booking",
  maxActive: "resource.policy.max_active_bookings_per_person", cancelCutoff: "resource.policy.cancel_cutoff",
  reminderLead: "resource.policy.reminder_lead", validBefore: "resource.policy.tickets.valid_before_start",
  validAfter: "resource.policy.tickets.valid_after_end", maxStay: "resource.policy.tickets.max_stay",
  warningLead: "resource.policy.tickets.warning_lead", reentry: "resource.policy.tickets.allow_reentry",
  maxInside: "resource.policy.tickets.max_inside", offlineMaxAge: "resource.policy.tickets.offline_max_age",
  meetingKind: "resource.meeting.kind", meetingUrl: "resource.meeting.url", guestBooking: "resource.guest_booking",
} as const;
type PathKey = keyof typeof paths;
// The fields typed as whole numbers (days, minutes, counts).
const numeric = ["position", "opensDaysAhead", "minNotice", "hold", "maxConsecutive", "maxSeats", "maxActive", "cancelCutoff",
  "reminderLead", "validBefore", "validAfter", "maxStay", "warningLead", "maxInside", "offlineMaxAge"] as const;
const shownPaths = Object.values(paths) as string[];

const modes: [Mode, SetupKey][] = [[Mode.IN_PERSON, "mode.inPerson"], [Mode.PHONE, "mode.phone"], [Mode.VIDEO_CALL, "mode.video"]];

/** ResourceEdit creates a resource (id "nuovo") or edits one. */
export function ResourceEdit({ org, id, query }: { org: string; id: string; query: URLSearchParams }) {
  const creating = id === "nuovo";
  const { places } = usePlaces(org);
  const { list } = useTree(org);
  const [f, setF] = useState<Form | undefined>(creating ? blank(query.get("luogo") ?? "", query.get("padre") ?? "") : undefined);
  const [loadErr, setLoadErr] = useState("");
  const [fail, setFail] = useState<Failure>(noFailure);
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (creating) return;
    catalog.getResource({ resourceId: id }).then((r) => r.resource && setF(formOf(r.resource))).catch((e) => setLoadErr(problem(e).message));
  }, [id]);
  // A new resource goes to the organization's only place, or its parent's.
  useEffect(() => {
    if (f && !f.placeId && places?.length) setF({ ...f, placeId: places[0].id });
  }, [places, f?.placeId]);
  if (loadErr) return <Alert kind="danger">{loadErr}</Alert>;
  if (!f) return <Loading label={s("loading")} />;

  const set = <K extends keyof Form>(k: K) => (v: Form[K]) => setF({ ...f, [k]: v });
  const text = (k: keyof Form) => (v: string) => setF({ ...f, [k]: v });
  const err = (k: PathKey) => errorAt(fail, paths[k]);
  const group = f.kind === ResourceKind.GROUP;
  const appointment = f.kind === ResourceKind.APPOINTMENT;
  const num = (k: PathKey & keyof Form, label: SetupKey, hint?: SetupKey) => (
    <div class="col-md-6" key={k}>
      <Field id={`res-${k}`} label={s(label)} hint={hint ? s(hint) : undefined} value={f[k] as string} onInput={text(k)} error={err(k)} inputMode="numeric" />
    </div>
  );
  const groups = (list ?? []).filter((r) => r.kind === ResourceKind.GROUP && r.id !== id);

  const save = async (e: Event) => {
    e.preventDefault();
    setFail(noFailure);
    setSaved("");
    // A number field with something that is not a number never reaches
    // the server (it would read as "unset" and take the default).
    const local: Record<string, string> = {};
    for (const k of numeric) {
      const v = (f[k] as string).trim();
      if (v !== "" && !/^\d+$/.test(v)) local[paths[k]] = s("notNumber");
    }
    if (Object.keys(local).length) {
      setFail({ msg: "", fields: local });
      return;
    }
    setBusy(true);
    try {
      const resource = resourceOf(f, org, creating ? "" : id);
      const r = creating ? await admin.createResource({ resource }) : await admin.updateResource({ resource });
      if (creating) {
        location.hash = `#/servizi?salvato=${encodeURIComponent(r.resource?.name ?? f.name)}`;
        return;
      }
      if (r.resource) setF(formOf(r.resource));
      setSaved(s("resource.saved", r.resource?.name ?? f.name));
    } catch (x) {
      setFail(failure(x, (p) => shownPaths.some((q) => p === q || p.startsWith(q + "[") || p.startsWith(q + "."))));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Title>{creating ? s("resource.newTitle") : s("resource.editTitle", f.name)}</Title>
      <p>
        <a href="#/servizi">{s("tree.back")}</a>
        {!creating && !group && (
          <>
            {" · "}
            <a href={`#/orari/${id}`}>{s("tree.schedule")}</a>
          </>
        )}
      </p>
      <form onSubmit={save} noValidate class="col-lg-9 setup-form" id="resource-form">
        {fail.msg && <Alert kind="danger" id="resource-error">{fail.msg}</Alert>}
        <Fieldset id="res-where" legend={s("resource.where")}>
          <Select id="res-kind" label={s("resource.kind")} value={String(f.kind)} disabled={!creating} error={err("kind")}
            onChange={(v) => set("kind")(Number(v) as ResourceKind)}>
            {[ResourceKind.APPOINTMENT, ResourceKind.EVENT, ResourceKind.GROUP].map((k) => (
              <option value={k} key={k}>
                {kindLabel(k)}
              </option>
            ))}
          </Select>
          <Select id="res-place" label={s("resource.place")} value={f.placeId} error={err("placeId")} onChange={text("placeId")}>
            <option value="">{s("resource.choosePlace")}</option>
            {(places ?? []).map((p) => (
              <option value={p.id} key={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
          <Select id="res-parent" label={s("resource.parent")} value={f.parentId} error={err("parentId")} onChange={text("parentId")}>
            <option value="">{s("resource.root")}</option>
            {groups.map((g) => (
              <option value={g.id} key={g.id}>
                {"· ".repeat(g.depth)}
                {g.name}
              </option>
            ))}
          </Select>
          <Field id="res-position" label={s("resource.position")} hint={s("resource.positionHint")} value={f.position} onInput={text("position")}
            error={err("position")} inputMode="numeric" />
          {!creating && <Check id="res-active" label={s("resource.active")} checked={f.active} onChange={set("active")} />}
        </Fieldset>
        <Fieldset id="res-texts" legend={s("resource.texts")}>
          <Field id="res-name" label={s("resource.name")} value={f.name} onInput={text("name")} required error={err("name")} />
          <TextArea id="res-description" label={s("resource.description")} value={f.description} onInput={text("description")} error={err("description")} />
          <TextArea id="res-documents" label={s("resource.documents")} value={f.documents} onInput={text("documents")} error={err("documents")} />
        </Fieldset>
        {!group && (
          <>
            <Fieldset id="res-acks" legend={s("resource.acks")} error={err("acks")}>
              <p class="small">{s("resource.acksHint")}</p>
              {f.acks.map((a, i) => (
                <div class="d-flex gap-2 align-items-start" key={i}>
                  <div class="flex-grow-1">
                    <Field id={`res-ack-${i}`} label={s("resource.ack", i + 1)} value={a.text}
                      onInput={(v) => set("acks")(f.acks.map((x, j) => (j === i ? { ...x, text: v } : x)))} />
                  </div>
                  <button type="button" class="btn btn-sm btn-outline-danger mt-4" onClick={() => set("acks")(f.acks.filter((_, j) => j !== i))}>
                    {s("remove")}
                    <span class="visually-hidden"> {s("resource.ack", i + 1)}</span>
                  </button>
                </div>
              ))}
              <button type="button" class="btn btn-sm btn-outline-primary" id="res-ack-add" onClick={() => set("acks")([...f.acks, { id: "", text: "" }])}>
                {s("resource.ackAdd")}
              </button>
            </Fieldset>
            <Fieldset id="res-modes" legend={s("resource.modes")} error={err("modes")}>
              {modes.map(([m, k]) => (
                <Check key={m} id={`res-mode-${m}`} label={s(k)} checked={f.modes.includes(m)}
                  onChange={(on) => set("modes")(on ? [...f.modes, m] : f.modes.filter((x) => x !== m))} />
              ))}
              {f.modes.includes(Mode.VIDEO_CALL) && (
                <>
                  <Select id="res-meeting-kind" label={s("meeting.kind")} value={String(f.meetingKind)} error={err("meetingKind")}
                    onChange={(v) => set("meetingKind")(Number(v) as MeetingKind)}>
                    <option value={MeetingKind.UNSPECIFIED}>{s("meeting.none")}</option>
                    <option value={MeetingKind.FIXED_LINK}>{s("meeting.fixed")}</option>
                    <option value={MeetingKind.ROOM_PER_BOOKING}>{s("meeting.room")}</option>
                  </Select>
                  {f.meetingKind !== MeetingKind.UNSPECIFIED && (
                    <Field id="res-meeting-url" label={s(f.meetingKind === MeetingKind.FIXED_LINK ? "meeting.url" : "meeting.base")}
                      hint={s("meeting.urlHint")} value={f.meetingUrl} onInput={text("meetingUrl")} error={err("meetingUrl")} inputMode="url" />
                  )}
                </>
              )}
              <Select id="res-guest-booking" label={s("guests.label")} value={String(f.guestBooking)} error={err("guestBooking")}
                onChange={(v) => set("guestBooking")(Number(v) as GuestBooking)}>
                <option value={GuestBooking.UNSPECIFIED}>{s("guests.no")}</option>
                <option value={GuestBooking.EMAIL}>{s("guests.email")}</option>
                <option value={GuestBooking.CODICE_FISCALE}>{s("guests.cf")}</option>
              </Select>
            </Fieldset>
          </>
        )}
        {appointment && (
          <Fieldset id="res-operators" legend={s("resource.operators")} error={err("operators")}>
            <p class="small">{s("resource.operatorsHint")}</p>
            {f.operators.map((o, i) => (
              <div class="d-flex gap-2 align-items-start" key={o.id || `new-${i}`}>
                <div class="flex-grow-1">
                  {o.id ? (
                    <p class="mb-3 pt-2" id={`res-op-${i}`}>
                      {o.name}
                    </p>
                  ) : (
                    <Field id={`res-op-${i}`} label={s("resource.operatorName", i + 1)} value={o.name}
                      onInput={(v) => set("operators")(f.operators.map((x, j) => (j === i ? { ...x, name: v } : x)))} />
                  )}
                </div>
                <button type="button" class="btn btn-sm btn-outline-danger mt-2" onClick={() => set("operators")(f.operators.filter((_, j) => j !== i))}>
                  {s("remove")}
                  <span class="visually-hidden"> {o.name || s("resource.operatorName", i + 1)}</span>
                </button>
              </div>
            ))}
            <button type="button" class="btn btn-sm btn-outline-primary mb-3" id="res-op-add" onClick={() => set("operators")([...f.operators, { id: "", name: "" }])}>
              {s("resource.operatorAdd")}
            </button>
            <Check id="res-operator-choice" label={s("resource.operatorChoice")} checked={f.operatorChoice} onChange={set("operatorChoice")} error={err("operatorChoice")} />
          </Fieldset>
        )}
        {!group && (
          <Fieldset id="res-policy" legend={s("resource.policy")}>
            <div class="row">
              {num("opensDaysAhead", "policy.opensDaysAhead", "policy.opensDaysAheadHint")}
              {num("minNotice", "policy.minNotice", "minutes")}
              <div class="col-md-6">
                <Field id="res-sameDayCutoff" label={s("policy.sameDayCutoff")} hint={s("policy.sameDayCutoffHint")} value={f.sameDayCutoff}
                  onInput={text("sameDayCutoff")} error={err("sameDayCutoff")} />
              </div>
              {num("hold", "policy.hold", "policy.holdHint")}
              {num("maxConsecutive", "policy.maxConsecutive")}
              {num("maxSeats", "policy.maxSeats", "policy.maxSeatsHint")}
              {num("maxActive", "policy.maxActive", "policy.zeroNoLimit")}
              {num("cancelCutoff", "policy.cancelCutoff", "minutes")}
              {num("reminderLead", "policy.reminderLead", "policy.reminderLeadHint")}
            </div>
            <Check id="res-ticketed" label={s("policy.ticketed")} checked={f.ticketed} onChange={set("ticketed")} error={err("ticketed")} />
          </Fieldset>
        )}
        {!group && f.ticketed && (
          <Fieldset id="res-tickets" legend={s("tickets.title")}>
            <div class="row">
              {num("validBefore", "tickets.validBefore", "minutes")}
              {num("validAfter", "tickets.validAfter", "minutes")}
              {num("maxStay", "tickets.maxStay", "tickets.maxStayHint")}
              {num("warningLead", "tickets.warningLead", "minutes")}
              {num("maxInside", "tickets.maxInside", "tickets.maxInsideHint")}
              {num("offlineMaxAge", "tickets.offlineMaxAge", "tickets.offlineMaxAgeHint")}
            </div>
            <Check id="res-reentry" label={s("tickets.reentry")} checked={f.reentry} onChange={set("reentry")} error={err("reentry")} />
          </Fieldset>
        )}
        <button type="submit" class="btn btn-primary" id="resource-save" disabled={busy}>
          {creating ? s("resource.create") : s("save")}
        </button>
        <div role="status" aria-live="polite" class="mt-3">
          {saved && <Alert kind="success" id="resource-saved">{saved}</Alert>}
        </div>
      </form>
    </>
  );
}
