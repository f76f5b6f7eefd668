// Webhooks: the organization's HTTPS endpoints (list, create with the
// signing secret shown once, delete after a confirmation), and for one of
// them its deliveries with state, attempts and the last error, each of
// which can be sent again (ReplayWebhookDelivery). Organizer only.
import { useEffect, useState } from "preact/hooks";
import type { Webhook, WebhookDelivery } from "../gen/varco/v1/admin_pb";
import { WebhookDeliveryState, WebhookEvent } from "../gen/varco/v1/admin_pb";
import { problem } from "../shared/api";
import { dateTime, toDate } from "../shared/format";
import { Alert, Field, Loading, Title } from "../shared/ui";
import { admin } from "./api";
import { t, type Key } from "./messages";

/** events a webhook can receive, with their wire names. */
const events: [WebhookEvent, string][] = [
  [WebhookEvent.BOOKING_CREATED, "booking.created"],
  [WebhookEvent.BOOKING_CANCELLED, "booking.cancelled"],
  [WebhookEvent.BOOKING_RESCHEDULED, "booking.rescheduled"],
  [WebhookEvent.BOOKING_ATTENDANCE, "booking.attendance"],
  [WebhookEvent.TICKET_ENTERED, "ticket.entered"],
  [WebhookEvent.TICKET_EXITED, "ticket.exited"],
  [WebhookEvent.TICKET_EXPIRED, "ticket.expired"],
];
const eventName = new Map(events);

const states: Record<WebhookDeliveryState, Key> = {
  [WebhookDeliveryState.UNSPECIFIED]: "hook.state.unknown",
  [WebhookDeliveryState.PENDING]: "hook.state.pending",
  [WebhookDeliveryState.DELIVERED]: "hook.state.delivered",
  [WebhookDeliveryState.FAILED]: "hook.state.failed",
  [WebhookDeliveryState.CANCELLED]: "hook.state.cancelled",
};

type Errors = { msg: string; fields: Record<string, string> };
const noErrors: Errors = { msg: "", fields: {} };

export function WebhooksPage({ org }: { org: string }) {
  const [list, setList] = useState<Webhook[] | undefined>();
  const [err, setErr] = useState("");
  const [url, setUrl] = useState("https://");
  const [chosen, setChosen] = useState<WebhookEvent[]>([WebhookEvent.BOOKING_CREATED, WebhookEvent.BOOKING_CANCELLED]);
  const [formErr, setFormErr] = useState<Errors>(noErrors);
  const [secret, setSecret] = useState<{ url: string; secret: string } | undefined>();
  const [confirming, setConfirming] = useState("");
  const [open, setOpen] = useState("");

  const load = async () => {
    try {
      setList((await admin.listWebhooks({ organizationId: org })).webhooks);
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  useEffect(() => {
    void load();
  }, [org]);

  const create = async (e: Event) => {
    e.preventDefault();
    setFormErr(noErrors);
    setSecret(undefined);
    try {
      const r = await admin.createWebhook({ organizationId: org, url, events: chosen });
      setSecret({ url: r.webhook?.url ?? url, secret: r.secret });
      setUrl("https://");
      await load();
    } catch (x) {
      const p = problem(x);
      setFormErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    }
  };
  const remove = async (w: Webhook) => {
    setErr("");
    try {
      await admin.deleteWebhook({ webhookId: w.id });
      setConfirming("");
      if (open === w.id) setOpen("");
      await load();
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  const evErr = formErr.fields.events;

  return (
    <>
      <Title>{t("hook.title")}</Title>
      <p>{t("hook.lead")}</p>
      <h2 class="h4">{t("hook.new")}</h2>
      <form onSubmit={create} noValidate class="col-md-8 mb-4 pt-3">
        {formErr.msg && <Alert kind="danger">{formErr.msg}</Alert>}
        <Field id="hook-url" label={t("hook.url")} hint={t("hook.urlHint")} value={url} onInput={setUrl} required type="url" error={formErr.fields.url} />
        <fieldset class="mb-3" aria-describedby={evErr ? "hook-events-error" : undefined}>
          <legend class="h6">{t("hook.events")}</legend>
          {events.map(([ev, name]) => (
            <div class="form-check" key={ev}>
              <input type="checkbox" id={`hook-ev-${name}`} checked={chosen.includes(ev)}
                onChange={(e) => setChosen((c) => ((e.currentTarget as HTMLInputElement).checked ? [...c, ev] : c.filter((x) => x !== ev)))} />
              <label for={`hook-ev-${name}`}>{name}</label>
            </div>
          ))}
          {evErr && (
            <div id="hook-events-error" class="invalid-feedback d-block" role="alert">
              {evErr}
            </div>
          )}
        </fieldset>
        <button type="submit" class="btn btn-primary" id="hook-create">
          {t("hook.create")}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {secret && (
          <div class="callout mb-4" id="hook-secret-box">
            <p class="mb-1">{t("hook.secretOnce", secret.url)}</p>
            <p class="enroll-code secret mb-1" id="hook-secret">
              {secret.secret}
            </p>
          </div>
        )}
      </div>
      <h2 class="h4">{t("hook.list")}</h2>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={t("loading")} />}
      {list && list.length === 0 && <p class="text-muted">{t("hook.none")}</p>}
      {list && list.length > 0 && (
        <div class="table-responsive" tabIndex={0} role="region" aria-label={t("hook.list")}>
          <table class="table" id="hook-table">
            <thead>
              <tr>
                <th scope="col">{t("hook.url")}</th>
                <th scope="col">{t("hook.events")}</th>
                <th scope="col">{t("hook.created")}</th>
                <th scope="col">{t("hook.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => {
                const created = toDate(w.createdAt);
                return (
                  <tr key={w.id} data-webhook={w.id}>
                    <th scope="row" class="text-break">
                      {w.url}
                    </th>
                    <td>{w.events.map((e) => eventName.get(e) ?? String(e)).join(", ")}</td>
                    <td>{created ? dateTime(created) : "—"}</td>
                    <td class="booking-actions">
                      <button type="button" class="btn btn-sm btn-outline-primary hook-deliveries" aria-pressed={open === w.id}
                        onClick={() => setOpen(open === w.id ? "" : w.id)}>
                        {t("hook.deliveries")}
                        <span class="visually-hidden"> {w.url}</span>
                      </button>
                      {confirming === w.id ? (
                        <>
                          <button type="button" class="btn btn-sm btn-danger hook-delete-confirm" onClick={() => void remove(w)}>
                            {t("hook.deleteConfirm")}
                            <span class="visually-hidden"> {w.url}</span>
                          </button>
                          <button type="button" class="btn btn-sm btn-outline-secondary" onClick={() => setConfirming("")}>
                            {t("hook.keep")}
                          </button>
                        </>
                      ) : (
                        <button type="button" class="btn btn-sm btn-outline-danger hook-delete" onClick={() => setConfirming(w.id)}>
                          {t("hook.delete")}
                          <span class="visually-hidden"> {w.url}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {open && <Deliveries webhook={list?.find((w) => w.id === open)} id={open} />}
    </>
  );
}

/** Deliveries lists one webhook's deliveries, newest first, 50 at a time,
 * with a button to send each again. */
function Deliveries({ id, webhook }: { id: string; webhook?: Webhook }) {
  const [list, setList] = useState<WebhookDelivery[] | undefined>();
  const [next, setNext] = useState("");
  const [err, setErr] = useState("");
  const [rowErr, setRowErr] = useState<{ id: string; msg: string }>({ id: "", msg: "" });
  const [note, setNote] = useState("");

  const load = async (token = "") => {
    setErr("");
    try {
      const r = await admin.listWebhookDeliveries({ webhookId: id, pageSize: 50, pageToken: token });
      setList((l) => (token && l ? [...l, ...r.deliveries] : r.deliveries));
      setNext(r.nextPageToken);
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  useEffect(() => {
    setList(undefined);
    void load();
  }, [id]);

  const replay = async (d: WebhookDelivery) => {
    setRowErr({ id: "", msg: "" });
    setNote("");
    try {
      const r = await admin.replayWebhookDelivery({ deliveryId: d.id });
      setNote(t("hook.replayed", r.delivery?.id ?? ""));
      await load();
    } catch (e) {
      setRowErr({ id: d.id, msg: problem(e).message });
    }
  };

  return (
    <section aria-labelledby="deliveries-title" class="mt-4" id="hook-deliveries">
      <h2 class="h4" id="deliveries-title">
        {t("hook.deliveriesOf", webhook?.url ?? "")}
      </h2>
      <button type="button" class="btn btn-sm btn-outline-primary mb-2" id="hook-refresh" onClick={() => void load()}>
        {t("hook.refresh")}
      </button>
      <div role="status" aria-live="polite">
        {note && <p class="small" id="hook-note">{note}</p>}
      </div>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={t("loading")} />}
      {list && list.length === 0 && <p class="text-muted" id="hook-no-deliveries">{t("hook.noDeliveries")}</p>}
      {list && list.length > 0 && (
        <div class="table-responsive" tabIndex={0} role="region" aria-labelledby="deliveries-title">
          <table class="table table-sm" id="delivery-table">
            <thead>
              <tr>
                <th scope="col">{t("hook.when")}</th>
                <th scope="col">{t("hook.event")}</th>
                <th scope="col">{t("hook.state")}</th>
                <th scope="col">{t("hook.attempts")}</th>
                <th scope="col">{t("hook.lastStatus")}</th>
                <th scope="col">{t("hook.lastError")}</th>
                <th scope="col">{t("hook.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => {
                const created = toDate(d.createdAt);
                const delivered = toDate(d.deliveredAt);
                const errId = `delivery-${d.id}-error`;
                return (
                  <tr key={d.id} data-delivery={d.id} data-event-id={d.eventId} data-state={WebhookDeliveryState[d.state]}
                    data-replay-of={d.replayOf} data-attempts={d.attempts}>
                    <th scope="row">
                      {created ? dateTime(created) : "—"}
                      {d.replayOf && <span class="d-block small">{t("hook.replayOf")}</span>}
                    </th>
                    <td>{eventName.get(d.event) ?? String(d.event)}</td>
                    <td>
                      {t(states[d.state] ?? "hook.state.unknown")}
                      {delivered && <span class="d-block small">{dateTime(delivered)}</span>}
                    </td>
                    <td>{d.attempts}</td>
                    <td>{d.lastStatus || "—"}</td>
                    <td class="text-break">{d.lastError || "—"}</td>
                    <td>
                      <button type="button" class="btn btn-sm btn-outline-primary hook-replay" aria-describedby={rowErr.id === d.id ? errId : undefined}
                        onClick={() => void replay(d)}>
                        {t("hook.replay")}
                        <span class="visually-hidden"> {eventName.get(d.event)} {created ? dateTime(created) : ""}</span>
                      </button>
                      {rowErr.id === d.id && (
                        <div id={errId} class="text-danger small mt-1" role="alert">
                          {rowErr.msg}
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" class="btn btn-outline-primary" id="hook-more" onClick={() => void load(next)}>
          {t("hook.more")}
        </button>
      )}
    </section>
  );
}
