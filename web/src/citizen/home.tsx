// Find: organizations → places → services, as the resource tree.
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { Organization, Place, Resource } from "../gen/varco/v1/catalog_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import { t } from "./messages";
import { Alert, Loading, Title } from "../shared/ui";

interface OrgView {
  org: Organization;
  places: Place[];
  resources: Resource[];
}

export function Home() {
  const [orgs, setOrgs] = useState<OrgView[] | null>(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    (async () => {
      try {
        const r = await api.catalog.listOrganizations({ pageSize: 100 });
        const views = await Promise.all(
          r.organizations.map(async (org) => {
            const [p, res] = await Promise.all([
              api.catalog.listPlaces({ organizationId: org.id }),
              api.catalog.listResources({ organizationId: org.id }),
            ]);
            return { org, places: p.places, resources: res.resources };
          }),
        );
        setOrgs(views);
      } catch (e) {
        setErr(problem(e).message);
      }
    })();
  }, []);
  return (
    <>
      <Title>{t("home.title")}</Title>
      <p class="lead">{t("home.lead")}</p>
      {err && <Alert kind="danger">{err}</Alert>}
      {!orgs && !err && <Loading label={t("loading")} />}
      {orgs?.map((o) => (
        <section class="mb-5" key={o.org.id} aria-labelledby={`org-${o.org.id}`}>
          <h2 class="h3" id={`org-${o.org.id}`}>
            {o.org.name}
          </h2>
          {o.org.description && <p>{o.org.description}</p>}
          {o.places.map((p) => (
            <PlaceServices key={p.id} place={p} resources={o.resources.filter((r) => r.placeId === p.id)} />
          ))}
        </section>
      ))}
    </>
  );
}

function PlaceServices({ place, resources }: { place: Place; resources: Resource[] }) {
  const roots = resources.filter((r) => !r.parentId || !resources.some((x) => x.id === r.parentId));
  if (resources.length === 0) return null;
  return (
    <div class="card-wrapper card-space mb-3">
      <div class="card card-bg">
        <div class="card-body">
          <h3 class="h5 card-title">{place.name}</h3>
          {place.address && (
            <p class="card-text small mb-2">
              {[place.address.street, place.address.postalCode, place.address.city].filter(Boolean).join(", ")}
            </p>
          )}
          <Tree nodes={roots} all={resources} />
        </div>
      </div>
    </div>
  );
}

function Tree({ nodes, all }: { nodes: Resource[]; all: Resource[] }) {
  return (
    <ul class="list-unstyled ms-2 mb-0">
      {nodes
        .slice()
        .sort((a, b) => a.position - b.position)
        .map((r) => (
          <li key={r.id} class="mb-2">
            {r.kind === ResourceKind.GROUP ? (
              <>
                <span class="fw-semibold">{r.name}</span>
                <Tree nodes={all.filter((x) => x.parentId === r.id)} all={all} />
              </>
            ) : (
              <a href={`#/servizio/${r.id}`} data-element="appointment-booking">
                {r.name}
              </a>
            )}
          </li>
        ))}
    </ul>
  );
}
