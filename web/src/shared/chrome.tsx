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
                <button type="button" class="btn btn-sm btn-link text-white p-1" lang="it" aria-pressed={p.lang === "it"} onClick={() => p.onLang("it")}>
                  ITA
                </button>
                <button type="button" class="btn btn-sm btn-link text-white p-1" lang="en" aria-pressed={p.lang === "en"} onClick={() => p.onLang("en")}>
                  ENG
                </button>
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
