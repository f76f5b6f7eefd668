// Every text of the citizen app, in Italian, English and German, from
// Varco's one message catalog (internal/i18n/locales/citizen), bundled by
// the build; the keys are the Italian file's.
import { translator, type Messages } from "../shared/i18n";
import type { CFError } from "../shared/cf";
import it from "../../../internal/i18n/locales/citizen/it.json";
import en from "../../../internal/i18n/locales/citizen/en.json";
import de from "../../../internal/i18n/locales/citizen/de.json";

export type Key = keyof typeof it;

// The English and German files must have every Italian key (the type
// says so, and internal/i18n TestCatalogComplete checks extra keys and
// placeholders), so a missing translation fails the build.
const messages: Messages<Key> = { it, en, de };

export const t = translator(messages);

/** spidError is the message of a SPID/CIE failure code from the callback. */
export function spidError(code: string): string {
  const k = `spid.err.${code}` as Key;
  return k in it ? t(k) : t("spid.err.oidc_failed");
}

export function cfMessage(e: CFError): string {
  return t(`cf.${e}` as Key);
}
