// Staff and roles: who works in the organization and as what, giving an
// operator or organizer role to a registered account (optionally limited
// to some services) and taking it back (AdminService.ListStaff, GrantRole,
// RevokeRole).
import { useEffect, useState } from "preact/hooks";
import type { StaffMember } from "../gen/varco/v1/admin_pb";
import { StaffRoleKind } from "../gen/varco/v1/auth_pb";
import { problem } from "../shared/api";
import { Alert, Field, Loading, Title } from "../shared/ui";
import { admin } from "./api";
import { useResources } from "./resources";
import { errorAt, failure, Fieldset, noFailure, Select, type Failure } from "./setup_form";
import { s } from "./setup_messages";

export function StaffPage({ org, me }: { org: string; me: string }) {
  const resources = useResources(org);
  const [list, setList] = useState<StaffMember[] | undefined>();
  const [err, setErr] = useState("");
  const [rowErr, setRowErr] = useState<{ id: string; msg: string } | undefined>();
  const [login, setLogin] = useState("");
  const [kind, setKind] = useState(StaffRoleKind.OPERATOR);
  const [chosen, setChosen] = useState<string[]>([]);
  const [fail, setFail] = useState<Failure>(noFailure);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      setList((await admin.listStaff({ organizationId: org })).members);
    } catch (e) {
      setErr(problem(e).message);
    }
  };
  useEffect(() => {
    void load();
  }, [org]);
  const names = new Map(resources.map((r) => [r.id, r.name]));

  const grant = async (e: Event) => {
    e.preventDefault();
    setFail(noFailure);
    setNote("");
    setBusy(true);
    try {
      const r = await admin.grantRole({ organizationId: org, login, kind, resourceIds: kind === StaffRoleKind.OPERATOR ? chosen : [] });
      setNote(s("staff.granted", r.member?.displayName ?? login));
      setLogin("");
      setChosen([]);
      await load();
    } catch (x) {
      setFail(failure(x, (p) => p === "login" || p === "kind" || p.startsWith("resource_ids")));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (m: StaffMember) => {
    setRowErr(undefined);
    setNote("");
    try {
      await admin.revokeRole({ organizationId: org, accountId: m.accountId });
      setNote(s("staff.revoked", m.displayName));
      await load();
    } catch (e) {
      setRowErr({ id: m.accountId, msg: problem(e).message });
    }
  };
  const roleName = (k: StaffRoleKind | undefined) => (k === StaffRoleKind.ORGANIZER ? s("staff.organizer") : s("staff.operator"));

  return (
    <>
      <Title>{s("staff.title")}</Title>
      <div role="status" aria-live="polite">
        {note && <Alert kind="success" id="staff-note">{note}</Alert>}
      </div>
      <h2 class="h4">{s("staff.list")}</h2>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={s("loading")} />}
      {list && (
        <div class="table-responsive mb-4">
          <table class="table" id="staff-table">
            <caption class="visually-hidden">{s("staff.list")}</caption>
            <thead>
              <tr>
                <th scope="col">{s("staff.name")}</th>
                <th scope="col">{s("staff.email")}</th>
                <th scope="col">{s("staff.role")}</th>
                <th scope="col">{s("staff.services")}</th>
                <th scope="col">{s("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.accountId} data-email={m.email}>
                  <th scope="row">{m.displayName}</th>
                  <td>{m.email}</td>
                  <td class="role">{roleName(m.role?.kind)}</td>
                  <td>{m.role?.resourceIds.length ? m.role.resourceIds.map((id) => names.get(id) ?? id).join(", ") : s("staff.allServices")}</td>
                  <td>
                    {m.accountId !== me && (
                      <button type="button" class="btn btn-sm btn-outline-danger" data-action="revoke" onClick={() => void revoke(m)}
                        aria-describedby={rowErr?.id === m.accountId ? `revoke-error-${m.accountId}` : undefined}>
                        {s("staff.revoke")}
                        <span class="visually-hidden"> {m.displayName}</span>
                      </button>
                    )}
                    {rowErr?.id === m.accountId && (
                      <div class="invalid-feedback d-block" role="alert" id={`revoke-error-${m.accountId}`}>
                        {rowErr.msg}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2 class="h4">{s("staff.grant")}</h2>
      <form onSubmit={grant} noValidate class="col-lg-8 setup-form" id="grant-form">
        {fail.msg && <Alert kind="danger">{fail.msg}</Alert>}
        <Field id="grant-login" label={s("staff.login")} hint={s("staff.loginHint")} value={login} onInput={setLogin} required error={fail.fields.login} />
        <Select id="grant-kind" label={s("staff.role")} value={String(kind)} onChange={(v) => setKind(Number(v) as StaffRoleKind)} error={fail.fields.kind}>
          <option value={StaffRoleKind.OPERATOR}>{s("staff.operator")}</option>
          <option value={StaffRoleKind.ORGANIZER}>{s("staff.organizer")}</option>
        </Select>
        {kind === StaffRoleKind.OPERATOR && (
          <Fieldset id="grant-resources" legend={s("staff.limitTo")} error={errorAt(fail, "resource_ids")}>
            <p class="small">{s("staff.limitHint")}</p>
            {resources.map((r) => (
              <div class="form-check" key={r.id}>
                <input type="checkbox" id={`grant-res-${r.id}`} checked={chosen.includes(r.id)}
                  onChange={(e) => setChosen((c) => ((e.currentTarget as HTMLInputElement).checked ? [...c, r.id] : c.filter((x) => x !== r.id)))} />
                <label for={`grant-res-${r.id}`}>{r.name}</label>
              </div>
            ))}
          </Fieldset>
        )}
        <button type="submit" class="btn btn-primary" id="grant-submit" disabled={busy}>
          {s("staff.grantButton")}
        </button>
      </form>
    </>
  );
}
