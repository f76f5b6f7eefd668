// Italian by default, English on request; the choice is remembered on the
// device and sent to the API as Accept-Language, so server messages match.
export type Lang = "it" | "en";

const key = "varco.lang";

export function currentLang(): Lang {
  try {
    const v = localStorage.getItem(key);
    if (v === "en" || v === "it") return v;
  } catch {
    /* storage disabled: fall through */
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

/** Messages is a catalog: every key in both languages. */
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
