// Accessible building blocks in Bootstrap Italia's markup, as in the
// citizen app (kept per app so the apps can change independently).
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Title is the page's h1; it takes focus when the page changes, so screen
 * readers announce the new page. */
export function Title({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 class="h3 mb-3" tabIndex={-1} ref={ref} id="page-title">
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
