// Another date proposed by the office: the booking page shows the pending
// proposal with one button per date and one to decline. Accepting moves
// the booking (a new one, with its own page); declining keeps it.
import { useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { Booking } from "../gen/varco/v1/booking_pb";
import { ProposalStatus } from "../gen/varco/v1/booking_pb";
import { dateLong, dateTime, time, toDate } from "../shared/format";
import { go } from "../shared/router";
import { alertAfter } from "./account";
import { t, type Key } from "./messages";

const events = ["proposal.made", "proposal.accepted", "proposal.declined", "proposal.expired", "proposal.withdrawn", "meeting_url.set"];

/** eventText names a history step that is not a status change. */
export function eventText(e: string): string {
  return events.includes(e) ? t(`event.${e}` as Key) : e;
}

interface Props {
  b: Booking;
  zone: string;
  onDeclined: (b: Booking) => void;
  onError: (text: string) => void;
}

export function ProposalBox({ b, zone, onDeclined, onError }: Props) {
  const [busy, setBusy] = useState(false);
  const p = b.proposals.find((x) => x.status === ProposalStatus.PENDING && toDate(x.expiresAt)!.getTime() > Date.now());
  if (!p) return null;
  const answer = async (choice: number) => {
    setBusy(true);
    try {
      const r = await api.booking.respondToProposal({ bookingId: b.id, acceptAlternative: choice, decline: choice === 0 });
      if (choice === 0) {
        onDeclined(r.booking!);
      } else {
        alertAfter(t("proposal.accepted"));
        go(`prenotazioni/${r.booking!.id}`);
      }
    } catch (e) {
      onError(problem(e).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="proposal-h" class="callout note mb-4" id="proposal">
      <div class="callout-title">
        <h2 class="h5 mb-0" id="proposal-h">
          {t("proposal.title")}
        </h2>
      </div>
      {p.message && (
        <p>
          <strong>{t("proposal.from")}:</strong> {p.message}
        </p>
      )}
      <ul class="list-unstyled">
        {p.alternatives.map((a, i) => {
          const s = toDate(a.span?.start)!, e = toDate(a.span?.end)!;
          return (
            <li key={i} class="d-flex flex-wrap align-items-center gap-2 mb-2">
              <span>
                {dateLong(s, zone)}, {time(s, zone)}–{time(e, zone)}
                {a.operator ? ` (${a.operator.displayName})` : ""}
              </span>
              <button type="button" class="btn btn-primary btn-sm" disabled={busy} data-accept={i + 1} onClick={() => answer(i + 1)}>
                {t("proposal.accept")}
                <span class="visually-hidden"> {dateLong(s, zone)} {time(s, zone)}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <p>{t("proposal.until", dateTime(toDate(p.expiresAt)!, zone))}</p>
      <button type="button" class="btn btn-outline-secondary" disabled={busy} id="proposal-decline" onClick={() => answer(0)}>
        {t("proposal.decline")}
      </button>
    </section>
  );
}
