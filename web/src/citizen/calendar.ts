// "Add to calendar": the server's .ics file, and Google/Outlook links
// built from the booking (plain links: no script from their origins).
import type { Booking } from "../gen/varco/v1/booking_pb";
import { toDate } from "../shared/format";

const compact = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

function where(b: Booking): string {
  const a = b.place?.address;
  return [b.place?.name, a?.street, a?.city].filter(Boolean).join(", ");
}

export function googleURL(b: Booking): string {
  const s = toDate(b.span?.start)!, e = toDate(b.span?.end)!;
  const q = new URLSearchParams({ action: "TEMPLATE", text: b.resourceName, dates: `${compact(s)}/${compact(e)}`, details: `${b.code}`, location: where(b) });
  return `https://calendar.google.com/calendar/render?${q}`;
}

export function outlookURL(b: Booking): string {
  const s = toDate(b.span?.start)!, e = toDate(b.span?.end)!;
  const q = new URLSearchParams({ path: "/calendar/action/compose", rru: "addevent", subject: b.resourceName, startdt: s.toISOString(), enddt: e.toISOString(), location: where(b), body: b.code });
  return `https://outlook.live.com/calendar/0/deeplink/compose?${q}`;
}
