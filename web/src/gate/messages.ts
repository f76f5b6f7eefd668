// Every text of the gate app, in Italian, English and German, from
// Varco's one message catalog (internal/i18n/locales/gate), bundled by
// the build; the keys are the Italian file's.
import { translator, type Messages } from "../shared/i18n";
import it from "../../../internal/i18n/locales/gate/it.json";
import en from "../../../internal/i18n/locales/gate/en.json";
import de from "../../../internal/i18n/locales/gate/de.json";

export type Key = keyof typeof it;

// The English and German files must have every Italian key (the type
// says so, and internal/i18n TestCatalogComplete checks extra keys and
// placeholders), so a missing translation fails the build.
const messages: Messages<Key> = { it, en, de };

export const t = translator(messages);

/** reasonText is the operator's text for a ScanReason name ("ALREADY_INSIDE"),
 * the same as the server's (internal/api/gate_scan.go), for verdicts the
 * device has to show without the server's message. */
export function reasonText(reason: string): string {
  const k = `reason.${reason}` as Key;
  return k in it ? t(k) : reason;
}
