// Italian by default, English and German on request (German for the
// bilingual municipalities of Alto Adige / Südtirol). The texts live in the
// one catalog of Varco, internal/i18n/locales/<app>/{it,en,de}.json, which
// the server's tests check for completeness and the build bundles. The
// choice is remembered on the device and sent to the API as
// Accept-Language, so server messages match; with no choice made, the
// browser's own language preference decides.
export type Lang = "it" | "en" | "de";

/** langs lists the languages, the default first. */
export const langs: readonly Lang[] = ["it", "en", "de"];

const key = "varco.lang";

function isLang(v: unknown): v is Lang {
  return typeof v === "string" && (langs as readonly string[]).includes(v);
}

/** preferredLang picks the first of the browser's languages (navigator.languages,
 * most wanted first: "de-AT", "en-GB"…) that Varco speaks; Italian when none. */
export function preferredLang(list: readonly string[]): Lang {
  for (const tag of list) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLang(base)) return base;
  }
  return "it";
}

export function currentLang(): Lang {
  try {
    const v = localStorage.getItem(key);
    if (isLang(v)) return v;
  } catch {
    /* storage disabled: fall through */
  }
  if (typeof navigator !== "undefined") {
    return preferredLang(navigator.languages?.length ? navigator.languages : [navigator.language ?? ""]);
  }
  return "it";
}

export function setLang(l: Lang) {
  try {
    localStorage.setItem(key, l);
  } catch {
    /* not remembered */
  }
  document.documentElement.lang = l;
}

/** Messages is a catalog: every key in every language. */
export type Messages<K extends string> = Record<Lang, Record<K, string>>;

/** translator returns t(key, ...args) replacing {0}, {1}… */
export function translator<K extends string>(m: Messages<K>) {
  return (k: K, ...args: (string | number)[]): string => {
    let s = m[currentLang()][k] ?? m.it[k] ?? k;
    args.forEach((a, i) => {
      s = s.split(`{${i}}`).join(String(a));
    });
    return s;
  };
}
