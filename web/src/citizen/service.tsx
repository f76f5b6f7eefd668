// A service's page: description, address with a map link, contacts,
// documents to bring, and the way into the booking flow.
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { GetResourceResponse } from "../gen/varco/v1/catalog_pb";
import { minutes } from "../shared/format";
import { t } from "./messages";
import { Alert, Loading, Title, Crumbs } from "../shared/ui";

export function Service({ id }: { id: string }) {
  const [res, setRes] = useState<GetResourceResponse | null>(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    api.catalog.getResource({ resourceId: id }).then(setRes, (e) => setErr(problem(e).message));
  }, [id]);
  if (err) return <Alert kind="danger">{err}</Alert>;
  if (!res) return <Loading label={t("loading")} />;
  const r = res.resource!;
  const p = res.place;
  const a = p?.address;
  const addr = a ? [a.street, [a.postalCode, a.city, a.province ? `(${a.province})` : ""].filter(Boolean).join(" ")].filter(Boolean).join(", ") : "";
  const loc = p?.location;
  const mapURL = loc && (loc.latitude || loc.longitude)
    ? `https://www.openstreetmap.org/?mlat=${loc.latitude}&mlon=${loc.longitude}#map=18/${loc.latitude}/${loc.longitude}`
    : addr ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(addr)}` : "";
  const stay = minutes(r.policy?.tickets?.maxStay?.seconds);
  return (
    <>
      <Crumbs label={t("breadcrumb")} items={[{ href: "#/", text: t("nav.home") }, ...res.ancestors.map((x) => ({ text: x.name }))]} current={r.name} />
      <Title>{r.name}</Title>
      <p class="text-muted">{res.organization?.name}</p>
      {r.description && <p>{r.description}</p>}
      {r.ticketed && <p>{stay > 0 ? t("service.ticketedStay", stay) : t("service.ticketed")}</p>}
      <a class="btn btn-primary mb-4" href={`#/prenota/${r.id}`} data-element="service-booking-access" id="book-now">
        {t("service.book")}
      </a>
      {p && (
        <section class="mb-4" aria-labelledby="where">
          <h2 class="h4" id="where">
            {t("service.where")}
          </h2>
          <p class="mb-1">{p.name}</p>
          {addr && <p class="mb-1">{addr}</p>}
          {mapURL && (
            <p>
              <a href={mapURL} rel="noopener noreferrer" target="_blank">
                {t("service.map")}
                <span class="visually-hidden"> {t("newWindow")}</span>
              </a>
            </p>
          )}
          {p.description && <p>{p.description}</p>}
        </section>
      )}
      {(p?.contacts || res.organization?.contacts) && (
        <section class="mb-4" aria-labelledby="contacts">
          <h2 class="h4" id="contacts">
            {t("service.contacts")}
          </h2>
          <Contacts c={p?.contacts?.phone || p?.contacts?.email ? p.contacts : res.organization?.contacts} />
        </section>
      )}
      {r.documentsToBring.length > 0 && (
        <section class="mb-4" aria-labelledby="docs">
          <h2 class="h4" id="docs">
            {t("service.documents")}
          </h2>
          <ul>
            {r.documentsToBring.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function Contacts({ c }: { c?: { phone: string; email: string; website: string } }) {
  if (!c) return null;
  return (
    <ul class="list-unstyled">
      {c.phone && (
        <li>
          {t("contacts.phone")}: <a href={`tel:${c.phone.replace(/\s/g, "")}`}>{c.phone}</a>
        </li>
      )}
      {c.email && (
        <li>
          {t("contacts.email")}: <a href={`mailto:${c.email}`}>{c.email}</a>
        </li>
      )}
      {c.website && (
        <li>
          {t("contacts.website")}: <a href={c.website} rel="noopener noreferrer">{c.website}</a>
        </li>
      )}
    </ul>
  );
}
