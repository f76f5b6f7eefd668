// Hash routes: one document (/) serves every page, so the service worker
// caches a single shell and links in e-mails and notifications still land
// on the right page offline.
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
