// Hash routes: one document per app (/, /staff/, /gate/) serves every page,
// so a service worker caches a single shell, links in e-mails and
// notifications land on the right page offline, and a reload or bookmark
// keeps the page's choices.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parse(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  const [p, q] = h.split("?");
  return { path: p ? p.split("/").map(decodeURIComponent) : [], query: new URLSearchParams(q ?? "") };
}

export function useRoute(): Route {
  const [r, setR] = useState(parse(location.hash));
  useEffect(() => {
    const on = () => setR(parse(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return r;
}

export function go(path: string) {
  location.hash = "#/" + path.replace(/^\//, "");
}

/** here is the current route as a path, for "come back after login". */
export function here(): string {
  return location.hash.replace(/^#\/?/, "");
}
