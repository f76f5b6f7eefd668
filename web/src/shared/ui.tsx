// Small accessible building blocks in Bootstrap Italia's markup.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Title is the page's h1; it takes focus when the page changes, so screen
 * readers announce the new page and keyboard users start from the top. */
export function Title({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 class="h2 mb-3" tabIndex={-1} ref={ref} id="page-title">
      {children}
    </h1>
  );
}

export function Alert({ kind, children, id }: { kind: "danger" | "warning" | "success" | "info"; children: ComponentChildren; id?: string }) {
  return (
    <div class={`alert alert-${kind}`} role={kind === "danger" || kind === "warning" ? "alert" : "status"} id={id}>
      {children}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p class="text-muted" role="status" aria-live="polite">
      {label}
    </p>
  );
}

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  error?: string;
  hint?: string;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  inputMode?: JSX.HTMLAttributes["inputMode"];
  maxLength?: number;
}

/** Field is a labelled input whose error is tied to it (aria-describedby). */
export function Field(p: FieldProps) {
  const described = [p.hint ? `${p.id}-hint` : "", p.error ? `${p.id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class="form-group mb-4">
      <label for={p.id} class="active">
        {p.label}
        {p.required ? " *" : ""}
      </label>
      <input
        id={p.id}
        name={p.id}
        class={"form-control" + (p.error ? " is-invalid" : "")}
        type={p.type ?? "text"}
        value={p.value}
        required={p.required}
        aria-required={p.required ? "true" : undefined}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={described}
        autocomplete={p.autocomplete}
        inputMode={p.inputMode}
        maxLength={p.maxLength}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {p.hint && (
        <small id={`${p.id}-hint`} class="form-text">
          {p.hint}
        </small>
      )}
      {p.error && (
        <div id={`${p.id}-error`} class="invalid-feedback d-block" role="alert">
          {p.error}
        </div>
      )}
    </div>
  );
}

export function TextArea(p: { id: string; label: string; value: string; onInput: (v: string) => void; error?: string; maxLength?: number }) {
  return (
    <div class="form-group mb-4">
      <label for={p.id} class="active">
        {p.label}
      </label>
      <textarea
        id={p.id}
        class={"form-control" + (p.error ? " is-invalid" : "")}
        rows={3}
        value={p.value}
        maxLength={p.maxLength}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? `${p.id}-error` : undefined}
        onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {p.error && (
        <div id={`${p.id}-error`} class="invalid-feedback d-block" role="alert">
          {p.error}
        </div>
      )}
    </div>
  );
}

export function Check(p: { id: string; label: ComponentChildren; checked: boolean; onChange: (v: boolean) => void; error?: string }) {
  return (
    <div class="form-check mb-3">
      <input
        id={p.id}
        type="checkbox"
        checked={p.checked}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? `${p.id}-error` : undefined}
        onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={p.id}>{p.label}</label>
      {p.error && (
        <div id={`${p.id}-error`} class="invalid-feedback d-block" role="alert">
          {p.error}
        </div>
      )}
    </div>
  );
}

/** Steps is the Designers Italia appointment stepper ("1/4 …"). */
export function Steps({ labels, current }: { labels: string[]; current: number }) {
  return (
    <nav class="steppers mb-4" aria-label={labels[current]}>
      <div class="steppers-header">
        <ol class="list-unstyled d-flex flex-wrap gap-2 mb-0">
          {labels.map((l, i) => (
            <li class={i === current ? "active fw-semibold" : i < current ? "confirmed" : ""} aria-current={i === current ? "step" : undefined} key={l}>
              <span class="steppers-number me-1">{i + 1}</span>
              {l}
            </li>
          ))}
        </ol>
        <span class="steppers-index" aria-hidden="true">
          {current + 1}/{labels.length}
        </span>
      </div>
    </nav>
  );
}

/** Crumbs is the breadcrumb: links to the pages above, then this page. */
export function Crumbs({ label, items, current }: { label: string; items: { href?: string; text: string }[]; current: string }) {
  return (
    <nav aria-label={label} class="breadcrumb-container">
      <ol class="breadcrumb p-0">
        {items.map((x, i) => (
          <li class="breadcrumb-item" key={i}>
            {x.href ? <a href={x.href}>{x.text}</a> : x.text}
            <span class="separator" aria-hidden="true">
              /
            </span>
          </li>
        ))}
        <li class="breadcrumb-item active" aria-current="page">
          {current}
        </li>
      </ol>
    </nav>
  );
}
