// Hash routes, as in the citizen app: one document (/staff/) serves every
// page, and the route keeps the chosen service, day and view, so a reload
// or a bookmark opens the same agenda.
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
