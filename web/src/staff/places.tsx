// Places: the offices and venues of the organization, with the address,
// the map position, the contacts and the time zone their schedules are
// written in (AdminService.CreatePlace/UpdatePlace, CatalogService.ListPlaces).
import { useEffect, useState } from "preact/hooks";
import type { Place } from "../gen/varco/v1/catalog_pb";
import { problem } from "../shared/api";
import { Alert, Field, Loading, TextArea, Title } from "../shared/ui";
import { admin, catalog } from "./api";
import { failure, noFailure, type Failure } from "./setup_form";
import { s } from "./setup_messages";

/** usePlaces loads the organization's places; reload asks again. */
export function usePlaces(org: string): { places?: Place[]; err: string; reload: () => void } {
  const [places, setPlaces] = useState<Place[] | undefined>();
  const [err, setErr] = useState("");
  const [n, setN] = useState(0);
  useEffect(() => {
    catalog
      .listPlaces({ organizationId: org })
      .then((r) => setPlaces(r.places))
      .catch((e) => setErr(problem(e).message));
  }, [org, n]);
  return { places, err, reload: () => setN((x) => x + 1) };
}

export function PlacesPage({ org, query }: { org: string; query: URLSearchParams }) {
  const { places, err } = usePlaces(org);
  const created = query.get("creato");
  return (
    <>
      <Title>{s("places.title")}</Title>
      {created && <Alert kind="success" id="place-saved">{s("places.saved", created)}</Alert>}
      <p>
        <a class="btn btn-primary" href="#/luoghi/nuovo" id="place-new">
          {s("places.new")}
        </a>
      </p>
      {err && <Alert kind="danger">{err}</Alert>}
      {!places && !err && <Loading label={s("loading")} />}
      {places && places.length === 0 && <p class="text-muted">{s("places.none")}</p>}
      {places && places.length > 0 && (
        <div class="table-responsive">
          <table class="table" id="places-table">
            <caption class="visually-hidden">{s("places.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{s("places.name")}</th>
                <th scope="col">{s("places.address")}</th>
                <th scope="col">{s("places.zone")}</th>
                <th scope="col">{s("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {places.map((p) => (
                <tr key={p.id} data-place={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{[p.address?.street, p.address?.postalCode, p.address?.city].filter(Boolean).join(", ")}</td>
                  <td>{p.timeZone || "Europe/Rome"}</td>
                  <td>
                    <a href={`#/luoghi/${p.id}`}>
                      {s("edit")}
                      <span class="visually-hidden"> {p.name}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

interface PlaceForm {
  name: string;
  description: string;
  street: string;
  postalCode: string;
  city: string;
  province: string;
  country: string;
  lat: string;
  lon: string;
  phone: string;
  email: string;
  website: string;
  timeZone: string;
}

const empty: PlaceForm = {
  name: "", description: "", street: "", postalCode: "", city: "", province: "", country: "IT",
  lat: "", lon: "", phone: "", email: "", website: "", timeZone: "Europe/Rome",
};

function formOf(p: Place): PlaceForm {
  return {
    name: p.name, description: p.description, street: p.address?.street ?? "", postalCode: p.address?.postalCode ?? "",
    city: p.address?.city ?? "", province: p.address?.province ?? "", country: p.address?.country ?? "",
    lat: p.location ? String(p.location.latitude) : "", lon: p.location ? String(p.location.longitude) : "",
    phone: p.contacts?.phone ?? "", email: p.contacts?.email ?? "", website: p.contacts?.website ?? "", timeZone: p.timeZone || "Europe/Rome",
  };
}

// The field paths of the server's errors, by the form's field.
const paths: Record<keyof PlaceForm, string> = {
  name: "place.name", description: "place.description", street: "place.address.street", postalCode: "place.address.postal_code",
  city: "place.address.city", province: "place.address.province", country: "place.address.country",
  lat: "place.location.latitude", lon: "place.location.longitude", phone: "place.contacts.phone",
  email: "place.contacts.email", website: "place.contacts.website", timeZone: "place.time_zone",
};
const shown = new Set(Object.values(paths));

/** PlaceEdit creates a place (id "nuovo") or edits one. */
export function PlaceEdit({ org, id }: { org: string; id: string }) {
  const creating = id === "nuovo";
  const { places, err: loadErr } = usePlaces(org);
  const [f, setF] = useState<PlaceForm | undefined>(creating ? empty : undefined);
  const [fail, setFail] = useState<Failure>(noFailure);
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const p = places?.find((x) => x.id === id);
    if (!creating && p && !f) setF(formOf(p));
  }, [places]);
  if (!creating && places && !places.some((x) => x.id === id)) {
    return (
      <>
        <Title>{s("places.notFound")}</Title>
        <a href="#/luoghi">{s("places.back")}</a>
      </>
    );
  }
  if (!f) return loadErr ? <Alert kind="danger">{loadErr}</Alert> : <Loading label={s("loading")} />;
  const set = (k: keyof PlaceForm) => (v: string) => setF({ ...f, [k]: v });
  const err = (k: keyof PlaceForm) => fail.fields[paths[k]];

  const save = async (e: Event) => {
    e.preventDefault();
    setFail(noFailure);
    setSaved("");
    // A position that is not a number never reaches the server.
    const local: Record<string, string> = {};
    for (const k of ["lat", "lon"] as const) {
      if (f[k].trim() !== "" && !Number.isFinite(Number(f[k].replace(",", ".")))) local[paths[k]] = s("places.notNumber");
    }
    if ((f.lat.trim() === "") !== (f.lon.trim() === "")) local[paths[f.lat.trim() === "" ? "lat" : "lon"]] = s("places.bothCoordinates");
    if (Object.keys(local).length) {
      setFail({ msg: "", fields: local });
      return;
    }
    const place = {
      id: creating ? "" : id, organizationId: org, name: f.name, description: f.description, timeZone: f.timeZone,
      address: { street: f.street, postalCode: f.postalCode, city: f.city, province: f.province, country: f.country },
      location: f.lat.trim() ? { latitude: Number(f.lat.replace(",", ".")), longitude: Number(f.lon.replace(",", ".")) } : undefined,
      contacts: { phone: f.phone, email: f.email, website: f.website },
    };
    setBusy(true);
    try {
      const r = creating ? await admin.createPlace({ place }) : await admin.updatePlace({ place });
      if (creating) {
        location.hash = `#/luoghi?creato=${encodeURIComponent(r.place?.name ?? f.name)}`;
        return;
      }
      // The server normalizes (phone numbers, spaces): show what it keeps.
      if (r.place) setF(formOf(r.place));
      setSaved(s("places.saved", r.place?.name ?? f.name));
    } catch (x) {
      setFail(failure(x, (p) => shown.has(p)));
    } finally {
      setBusy(false);
    }
  };
  const lat = Number(f.lat.replace(",", ".")), lon = Number(f.lon.replace(",", "."));
  const mapLink = f.lat.trim() && f.lon.trim() && Number.isFinite(lat) && Number.isFinite(lon)
    ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}` : "";

  return (
    <>
      <Title>{creating ? s("places.newTitle") : s("places.editTitle", f.name)}</Title>
      <p>
        <a href="#/luoghi">{s("places.back")}</a>
      </p>
      <form onSubmit={save} noValidate class="col-lg-8 setup-form" id="place-form">
        {fail.msg && <Alert kind="danger" id="place-error">{fail.msg}</Alert>}
        <Field id="place-name" label={s("places.name")} value={f.name} onInput={set("name")} required error={err("name")} />
        <TextArea id="place-description" label={s("places.description")} value={f.description} onInput={set("description")} error={err("description")} />
        <fieldset class="mb-2">
          <legend class="h5">{s("places.address")}</legend>
          <Field id="place-street" label={s("places.street")} value={f.street} onInput={set("street")} error={err("street")} autocomplete="street-address" />
          <div class="row">
            <div class="col-md-4">
              <Field id="place-postal" label={s("places.postalCode")} value={f.postalCode} onInput={set("postalCode")} error={err("postalCode")} inputMode="numeric" />
            </div>
            <div class="col-md-5">
              <Field id="place-city" label={s("places.city")} value={f.city} onInput={set("city")} error={err("city")} />
            </div>
            <div class="col-md-3">
              <Field id="place-province" label={s("places.province")} value={f.province} onInput={set("province")} error={err("province")} maxLength={2} />
            </div>
          </div>
          <Field id="place-country" label={s("places.country")} hint={s("places.countryHint")} value={f.country} onInput={set("country")} error={err("country")} maxLength={2} />
        </fieldset>
        <fieldset class="mb-2">
          <legend class="h5">{s("places.map")}</legend>
          <div class="row">
            <div class="col-md-6">
              <Field id="place-lat" label={s("places.lat")} hint={s("places.latHint")} value={f.lat} onInput={set("lat")} error={err("lat")} inputMode="decimal" />
            </div>
            <div class="col-md-6">
              <Field id="place-lon" label={s("places.lon")} hint={s("places.lonHint")} value={f.lon} onInput={set("lon")} error={err("lon")} inputMode="decimal" />
            </div>
          </div>
          {mapLink && (
            <p>
              <a href={mapLink} target="_blank" rel="noopener noreferrer">
                {s("places.openMap")}
              </a>
            </p>
          )}
        </fieldset>
        <fieldset class="mb-2">
          <legend class="h5">{s("places.contacts")}</legend>
          <Field id="place-phone" label={s("places.phone")} type="tel" value={f.phone} onInput={set("phone")} error={err("phone")} />
          <Field id="place-email" label={s("places.email")} type="email" value={f.email} onInput={set("email")} error={err("email")} />
          <Field id="place-website" label={s("places.website")} type="url" hint={s("places.websiteHint")} value={f.website} onInput={set("website")} error={err("website")} />
        </fieldset>
        <Field id="place-zone" label={s("places.zone")} hint={s("places.zoneHint")} value={f.timeZone} onInput={set("timeZone")} error={err("timeZone")} required />
        <button type="submit" class="btn btn-primary" id="place-save" disabled={busy}>
          {creating ? s("places.create") : s("save")}
        </button>
        <div role="status" aria-live="polite" class="mt-3">
          {saved && <Alert kind="success" id="place-saved">{saved}</Alert>}
        </div>
      </form>
    </>
  );
}
