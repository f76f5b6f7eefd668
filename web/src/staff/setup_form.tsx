// What the organizer's setup pages share: the server's refusals split into
// the messages shown under their fields and the rest (shown at the top,
// so no reason is lost), durations typed in minutes, small form controls.
import type { ComponentChildren } from "preact";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { problem } from "../shared/api";

/** Failure is a refusal: field path → message, and the page's message. */
export interface Failure {
  msg: string;
  fields: Record<string, string>;
}

export const noFailure: Failure = { msg: "", fields: {} };

/** failure reduces a thrown error; shown says which field paths the page
 * puts a message under. A field error no control shows joins the page's
 * message, with its field's name. */
export function failure(e: unknown, shown: (field: string) => boolean): Failure {
  const p = problem(e);
  const names = Object.keys(p.fields);
  if (names.length === 0) return { msg: p.message, fields: {} };
  const rest = names.filter((f) => !shown(f)).map((f) => `${p.fields[f]} (${f})`);
  return { msg: rest.join(" "), fields: p.fields };
}

/** errorAt is the message of a field, or of the first item of a list
 * field ("resource.operators[1].display_name" shows under
 * "resource.operators"). */
export function errorAt(f: Failure, path: string): string | undefined {
  if (f.fields[path]) return f.fields[path];
  const k = Object.keys(f.fields).find((x) => x.startsWith(path + "[") || x.startsWith(path + "."));
  return k ? f.fields[k] : undefined;
}

/** minutesText shows a Duration as whole minutes; empty when unset. */
export function minutesText(d: Duration | undefined): string {
  return d ? String(Math.round(Number(d.seconds) / 60)) : "";
}

/** durationOf turns minutes typed by a person into a Duration; empty
 * means unset, which the server reads as its default. The forms check the
 * text is a number before sending. */
export function durationOf(minutes: string): { seconds: bigint } | undefined {
  const n = Number(minutes.trim());
  if (minutes.trim() === "" || !Number.isFinite(n)) return undefined;
  return { seconds: BigInt(Math.round(n * 60)) };
}

/** intOf reads a whole number typed by a person; empty is 0. */
export function intOf(v: string): number {
  const n = Number(v.trim());
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** Fieldset groups controls under a legend, with the group's error. */
export function Fieldset({ id, legend, error, children }: { id: string; legend: string; error?: string; children: ComponentChildren }) {
  return (
    <fieldset class="mb-4" id={id} aria-describedby={error ? `${id}-error` : undefined}>
      <legend class="h5">{legend}</legend>
      {children}
      {error && (
        <div id={`${id}-error`} class="invalid-feedback d-block" role="alert">
          {error}
        </div>
      )}
    </fieldset>
  );
}

/** Select is a labelled select whose error is tied to it. */
export function Select(p: { id: string; label: string; value: string; onChange: (v: string) => void; error?: string; disabled?: boolean; children: ComponentChildren }) {
  return (
    <div class="mb-4">
      <label for={p.id} class="form-label">
        {p.label}
      </label>
      <select id={p.id} class={"form-select" + (p.error ? " is-invalid" : "")} value={p.value} disabled={p.disabled}
        aria-invalid={p.error ? "true" : undefined} aria-describedby={p.error ? `${p.id}-error` : undefined}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {p.children}
      </select>
      {p.error && (
        <div id={`${p.id}-error`} class="invalid-feedback d-block" role="alert">
          {p.error}
        </div>
      )}
    </div>
  );
}
