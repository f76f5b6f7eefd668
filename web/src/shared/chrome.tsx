// The top of every Varco app: the skip link, the slim bar with the owner
// and the language switch, the brand, and the app's own navigation.
import type { ComponentChildren } from "preact";
import type { Lang } from "./i18n";

interface Props {
  owner: string;
  tagline: string;
  skip: string;
  langLabel: string;
  lang: Lang;
  onLang: (l: Lang) => void;
  /** compact leaves out the brand band (the gate app on a phone) */
  compact?: boolean;
  /** the app's navigation (a <nav>), or nothing */
  children?: ComponentChildren;
}

// switcher names each language in itself: a German speaker looks for
// "Deutsch", not for the Italian word for it. The short code is what shows;
// screen readers read the full name, in its own language (lang on the button).
const switcher: [Lang, string, string][] = [
  ["it", "ITA", "Italiano"],
  ["en", "ENG", "English"],
  ["de", "DEU", "Deutsch"],
];

export function AppHeader(p: Props) {
  return (
    <>
      <a class="visually-hidden-focusable skiplink" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("page-title")?.focus(); }}>
        {p.skip}
      </a>
      <header class="it-header-wrapper">
        <div class="it-header-slim-wrapper">
          <div class="container">
            <div class="it-header-slim-wrapper-content d-flex justify-content-between align-items-center">
              <span class="navbar-brand">{p.owner}</span>
              <div class="d-flex gap-2 align-items-center" role="group" aria-label={p.langLabel}>
                {switcher.map(([l, short, name]) => (
                  <button key={l} type="button" class="btn btn-sm btn-link text-white p-1" lang={l} aria-pressed={p.lang === l} onClick={() => p.onLang(l)}>
                    <span aria-hidden="true">{short}</span>
                    <span class="visually-hidden">{name}</span>
                  </button>
                ))}
              </div>
            </div>
          </div>
        </div>
        {!p.compact && (
        <div class="it-header-center-wrapper">
          <div class="container">
            <div class="it-header-center-content-wrapper d-flex justify-content-between align-items-center">
              <a href="#/" class="it-brand-wrapper text-white text-decoration-none">
                <span class="it-brand-title h3 mb-0">Varco</span>
                <span class="d-block small">{p.tagline}</span>
              </a>
            </div>
          </div>
        </div>
        )}
        {p.children}
      </header>
    </>
  );
}
