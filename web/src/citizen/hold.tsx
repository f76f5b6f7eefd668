// The hold's countdown: visible while details are filled in, a warning one
// minute before it lapses, a clear message when it has.
import { useEffect, useState } from "preact/hooks";
import { mmss } from "../shared/format";
import { t } from "./messages";

export function Countdown({ expiresAt, onLapse }: { expiresAt: Date; onLapse: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const left = expiresAt.getTime() - now;
  useEffect(() => {
    if (left <= 0) onLapse();
  }, [left <= 0]);
  const warn = left <= 60_000;
  return (
    <div class={"callout " + (warn ? "warning" : "note") + " mb-4"} id="hold-countdown">
      <div class="callout-inner">
        <p class="mb-0">
          {t("hold.left")} <strong class="countdown" aria-hidden="true">{mmss(left)}</strong>
        </p>
        {/* Announce the warning once, not every second. */}
        <p class={warn ? "mb-0 fw-semibold" : "visually-hidden"} role="status" aria-live="assertive">
          {warn ? t("hold.warning") : ""}
        </p>
      </div>
    </div>
  );
}
