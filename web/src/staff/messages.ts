// Every text of the staff app, in Italian, English and German, from
// Varco's one message catalog (internal/i18n/locales/staff), bundled by
// the build; the keys are the Italian file's.
import { translator, type Messages } from "../shared/i18n";
import { BookingStatus } from "../gen/varco/v1/booking_pb";
import it from "../../../internal/i18n/locales/staff/it.json";
import en from "../../../internal/i18n/locales/staff/en.json";
import de from "../../../internal/i18n/locales/staff/de.json";

export type Key = keyof typeof it;

// The English and German files must have every Italian key (the type
// says so, and internal/i18n TestCatalogComplete checks extra keys and
// placeholders), so a missing translation fails the build.
const messages: Messages<Key> = { it, en, de };

export const t = translator(messages);

/** statusLabel names a booking status in the current language. */
export function statusLabel(s: BookingStatus): string {
  const name = BookingStatus[s];
  const k = `status.${name}`;
  return k in it ? t(k as Key) : name;
}
