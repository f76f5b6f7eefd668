// Gate scanners: the list, a one-time enrollment code to type on a new
// device, and revocation.
import { useEffect, useState } from "preact/hooks";
import { problem } from "../shared/api";
import { dateTime, toDate } from "../shared/format";
import type { Device } from "../gen/varco/v1/auth_pb";
import { GateDirection } from "../gen/varco/v1/auth_pb";
import { admin } from "./api";
import { t } from "./messages";
import { useResources } from "./resources";
import { Alert, Field, Loading, Title } from "../shared/ui";

const directions: [GateDirection, "devices.entry" | "devices.exit" | "devices.both"][] = [
  [GateDirection.ENTRY, "devices.entry"],
  [GateDirection.EXIT, "devices.exit"],
  [GateDirection.BOTH, "devices.both"],
];

export function Devices({ org }: { org: string }) {
  const resources = useResources(org);
  const [list, setList] = useState<Device[] | undefined>();
  const [err, setErr] = useState("");
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [direction, setDirection] = useState(GateDirection.ENTRY);
  const [formErr, setFormErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [code, setCode] = useState<{ code: string; until?: Date } | undefined>();

  const load = async () => {
    try {
      setList((await admin.listDevices({ organizationId: org })).devices);
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  useEffect(() => {
    void load();
  }, [org]);

  const enroll = async (e: Event) => {
    e.preventDefault();
    setFormErr({ msg: "", fields: {} });
    setCode(undefined);
    try {
      const r = await admin.createDeviceEnrollment({ organizationId: org, name, resourceIds: chosen, direction });
      setCode({ code: r.enrollmentCode, until: toDate(r.expiresAt) });
    } catch (x) {
      const p = problem(x);
      setFormErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    }
  };
  const revoke = async (d: Device) => {
    setErr("");
    try {
      await admin.revokeDevice({ deviceId: d.id });
      await load();
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  const resErr = formErr.fields.resource_ids;
  const names = new Map(resources.map((r) => [r.id, r.name]));

  return (
    <>
      <Title>{t("devices.title")}</Title>
      <h2 class="h4">{t("devices.new")}</h2>
      <form onSubmit={enroll} noValidate class="col-md-8 mb-4">
        {formErr.msg && <Alert kind="danger">{formErr.msg}</Alert>}
        <Field id="device-name" label={t("devices.name")} hint={t("devices.nameHint")} value={name} onInput={setName} required error={formErr.fields.name} />
        <fieldset class="mb-3" aria-describedby={resErr ? "device-resources-error" : undefined}>
          <legend class="h6">{t("devices.resources")}</legend>
          {resources.map((r) => (
            <div class="form-check" key={r.id}>
              <input type="checkbox" id={`dev-res-${r.id}`} checked={chosen.includes(r.id)}
                onChange={(e) => setChosen((c) => ((e.currentTarget as HTMLInputElement).checked ? [...c, r.id] : c.filter((x) => x !== r.id)))} />
              <label for={`dev-res-${r.id}`}>{r.name}</label>
            </div>
          ))}
          {resErr && (
            <div id="device-resources-error" class="invalid-feedback d-block" role="alert">
              {resErr}
            </div>
          )}
        </fieldset>
        <div class="mb-3">
          <label for="device-direction" class="form-label">
            {t("devices.direction")}
          </label>
          <select id="device-direction" class="form-select" value={direction} onChange={(e) => setDirection(Number((e.currentTarget as HTMLSelectElement).value))}>
            {directions.map(([d, k]) => (
              <option value={d} key={d}>
                {t(k)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="btn btn-primary" id="device-enroll">
          {t("devices.create")}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {code && (
          <div class="callout mb-4" id="enrollment">
            <p class="mb-1">{t("devices.code")}</p>
            <p class="enroll-code mb-1" id="enrollment-code">
              {code.code}
            </p>
            {code.until && <p class="small mb-0">{t("devices.until", dateTime(code.until))}</p>}
          </div>
        )}
      </div>
      <h2 class="h4">{t("devices.list")}</h2>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={t("loading")} />}
      {list && list.length === 0 && <p class="text-muted">{t("devices.none")}</p>}
      {list && list.length > 0 && (
        <div class="table-responsive">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t("devices.name")}</th>
                <th scope="col">{t("devices.resources")}</th>
                <th scope="col">{t("devices.lastSeen")}</th>
                <th scope="col">{t("devices.state")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => {
                const seen = toDate(d.lastSeenAt);
                return (
                  <tr key={d.id}>
                    <th scope="row">{d.name}</th>
                    <td>{d.resourceIds.map((id) => names.get(id) ?? id).join(", ")}</td>
                    <td>{seen ? dateTime(seen) : "—"}</td>
                    <td>
                      {d.revokedAt ? (
                        t("devices.revoked")
                      ) : (
                        <button type="button" class="btn btn-sm btn-outline-danger" onClick={() => void revoke(d)}>
                          {t("devices.revoke")}
                          <span class="visually-hidden"> {d.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
