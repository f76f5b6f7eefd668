// The organizer's setup pages in the app: their routes and menu entries.
// main.tsx offers them only to organizers; anyone else gets "page not
// found" (and the server refuses the calls anyway).
import type { JSX } from "preact";
import { TreePage } from "./catalog_tree";
import { PlaceEdit, PlacesPage } from "./places";
import { ResourceEdit } from "./resource_form";
import { SchedulePage } from "./schedule";
import { s } from "./setup_messages";
import { StaffPage } from "./staff_roles";

/** setupPage is the page of a setup route, or undefined for other routes. */
export function setupPage(path: string[], query: URLSearchParams, org: string, me: string): JSX.Element | undefined {
  const [first, id] = path;
  switch (first) {
    case "luoghi":
      return id ? <PlaceEdit key={id} org={org} id={id} /> : <PlacesPage org={org} query={query} />;
    case "servizi":
      return id ? <ResourceEdit key={id} org={org} id={id} query={query} /> : <TreePage key={query.toString()} org={org} query={query} />;
    case "orari":
      return id ? <SchedulePage key={id} id={id} /> : undefined;
    case "personale":
      return <StaffPage org={org} me={me} />;
  }
  return undefined;
}

const entries: [string, "nav.places" | "nav.tree" | "nav.staff", string][] = [
  ["luoghi", "nav.places", "nav-places"],
  ["servizi", "nav.tree", "nav-tree"],
  ["personale", "nav.staff", "nav-staff"],
];

/** SetupNav is the organizer's setup entries of the main menu. */
export function SetupNav({ current }: { current: (p: string) => "page" | undefined }) {
  return (
    <>
      {entries.map(([route, label, id]) => (
        <li class="nav-item" key={route}>
          <a class="nav-link text-white p-0" href={`#/${route}`} aria-current={current(route)} id={id}>
            {s(label)}
          </a>
        </li>
      ))}
    </>
  );
}
