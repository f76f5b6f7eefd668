// Dates and times are shown in the place's time zone (Europe/Rome by
// default), whatever zone the phone is set to.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { currentLang } from "./i18n";

export const defaultZone = "Europe/Rome";

/** locale is the Intl locale of the current language: German as written
 * in Italy (de-IT), so dates read as in Alto Adige / Südtirol. */
export const locale = (): string => ({ it: "it-IT", en: "en-GB", de: "de-IT" })[currentLang()];

export function toDate(t: Timestamp | undefined): Date | undefined {
  return t ? timestampDate(t) : undefined;
}

/** dateLong: "lunedì 7 dicembre 2026" */
export function dateLong(d: Date, zone = defaultZone): string {
  return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: zone }).format(d);
}

/** time: "08:30" */
export function time(d: Date, zone = defaultZone): string {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone }).format(d);
}

/** dateTime: "lun 7 dic 2026, 08:30" */
export function dateTime(d: Date, zone = defaultZone): string {
  return new Intl.DateTimeFormat(locale(), {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone,
  }).format(d);
}

/** dayHeading from a local ISO date "2026-12-07" (no zone shift). */
export function dayHeading(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** isoDate of a Date in a zone: "2026-12-07". */
export function isoDate(d: Date, zone = defaultZone): string {
  const p = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone }).format(d);
  return p; // en-CA formats as YYYY-MM-DD
}

/** addDays to a local ISO date. */
export function addDays(iso: string, n: number): string {
  const [y, m, d] = iso.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

/** mondayOf the week holding a local ISO date. */
export function mondayOf(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(iso, -((wd + 6) % 7));
}

/** mmss: "9:05" for a countdown. */
export function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** duration in minutes from a protobuf Duration's seconds. */
export function minutes(seconds: bigint | number | undefined): number {
  return Math.round(Number(seconds ?? 0) / 60);
}
