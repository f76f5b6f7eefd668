// The texts of the organizer's setup pages (places, resource tree,
// opening hours, staff): the "setup." keys of the staff app's catalog
// (internal/i18n/locales/staff), in Italian, English and German. Kept apart
// in the catalog so the setup pages can grow without touching the day's
// texts; the pages name them without the prefix.
import { t, type Key } from "./messages";

// unprefixed distributes over the union of keys (a conditional type does
// only over a type parameter).
type unprefixed<K> = K extends `setup.${infer R}` ? R : never;

/** SetupKey is a setup page's key, without its "setup." prefix. */
export type SetupKey = unprefixed<Key>;

/** s translates a setup page's text. */
export const s = (k: SetupKey, ...args: (string | number)[]): string => t(`setup.${k}` as Key, ...args);
