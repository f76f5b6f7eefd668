// The resource tree: groups, services and events of the organization as
// the citizens find them, with the way to add, change, pause and delete
// them (CatalogService.ListResources, AdminService.DeleteResource).
import { useEffect, useState } from "preact/hooks";
import type { Resource } from "../gen/varco/v1/catalog_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import { problem } from "../shared/api";
import { Alert, Loading, Title } from "../shared/ui";
import { admin, catalog } from "./api";
import { usePlaces } from "./places";
import { s } from "./setup_messages";

/** useTree loads the whole tree, paused resources included. */
export function useTree(org: string): { list?: Resource[]; err: string; reload: () => void } {
  const [list, setList] = useState<Resource[] | undefined>();
  const [err, setErr] = useState("");
  const [n, setN] = useState(0);
  useEffect(() => {
    catalog
      .listResources({ organizationId: org, includeInactive: true })
      .then((r) => setList(r.resources))
      .catch((e) => setErr(problem(e).message));
  }, [org, n]);
  return { list, err, reload: () => setN((x) => x + 1) };
}

export function kindLabel(k: ResourceKind): string {
  return k === ResourceKind.GROUP ? s("kind.group") : k === ResourceKind.EVENT ? s("kind.event") : s("kind.appointment");
}

interface Node {
  r: Resource;
  children: Node[];
}

/** nest turns the depth-first list into nested nodes, so the tree is
 * nested lists a screen reader can walk. */
function nest(list: Resource[]): Node[] {
  const byId = new Map<string, Node>();
  const roots: Node[] = [];
  for (const r of list) byId.set(r.id, { r, children: [] });
  for (const r of list) {
    const n = byId.get(r.id)!;
    const parent = r.parentId ? byId.get(r.parentId) : undefined;
    (parent ? parent.children : roots).push(n);
  }
  return roots;
}

export function TreePage({ org, query }: { org: string; query: URLSearchParams }) {
  const { list, err, reload } = useTree(org);
  const { places } = usePlaces(org);
  const [note, setNote] = useState(query.get("salvato") ? s("tree.saved", query.get("salvato")!) : "");
  const [rowErr, setRowErr] = useState<{ id: string; msg: string } | undefined>();
  const [confirming, setConfirming] = useState("");
  const placeName = new Map((places ?? []).map((p) => [p.id, p.name]));

  const remove = async (r: Resource) => {
    setRowErr(undefined);
    setNote("");
    try {
      const res = await admin.deleteResource({ resourceId: r.id });
      setNote(res.deactivated ? s("tree.deactivated", r.name) : s("tree.deleted", r.name));
      setConfirming("");
      reload();
    } catch (e) {
      setRowErr({ id: r.id, msg: problem(e).message });
    }
  };

  const item = (n: Node) => {
    const r = n.r;
    const bookable = r.kind !== ResourceKind.GROUP;
    return (
      <li key={r.id} class="tree-item" data-resource={r.name}>
        <div class="d-flex flex-wrap align-items-baseline gap-2 py-1 border-bottom">
          <span class="fw-semibold">{r.name}</span>
          <span class="badge bg-light text-dark border">{kindLabel(r.kind)}</span>
          {!r.active && <span class="badge bg-warning text-dark">{s("tree.paused")}</span>}
          <span class="small text-muted">{placeName.get(r.placeId) ?? ""}</span>
          <span class="ms-auto d-flex flex-wrap gap-2">
            <a class="btn btn-sm btn-outline-primary" href={`#/servizi/${r.id}`} data-action="edit">
              {s("edit")}
              <span class="visually-hidden"> {r.name}</span>
            </a>
            {bookable && (
              <a class="btn btn-sm btn-outline-primary" href={`#/orari/${r.id}`} data-action="schedule">
                {s("tree.schedule")}
                <span class="visually-hidden"> {r.name}</span>
              </a>
            )}
            {!bookable && (
              <a class="btn btn-sm btn-outline-primary" href={`#/servizi/nuovo?padre=${r.id}&luogo=${r.placeId}`} data-action="add">
                {s("tree.addHere")}
                <span class="visually-hidden"> {r.name}</span>
              </a>
            )}
            {confirming === r.id ? (
              <button type="button" class="btn btn-sm btn-danger" data-action="confirm-delete" aria-describedby={rowErr?.id === r.id ? `row-error-${r.id}` : undefined}
                onClick={() => void remove(r)}>
                {s("tree.confirmDelete", r.name)}
              </button>
            ) : (
              <button type="button" class="btn btn-sm btn-outline-danger" data-action="delete" onClick={() => setConfirming(r.id)}>
                {s("delete")}
                <span class="visually-hidden"> {r.name}</span>
              </button>
            )}
          </span>
        </div>
        {rowErr?.id === r.id && (
          <div class="invalid-feedback d-block" role="alert" id={`row-error-${r.id}`}>
            {rowErr.msg}
          </div>
        )}
        {n.children.length > 0 && <ul class="list-unstyled ps-4 mb-0">{n.children.map(item)}</ul>}
      </li>
    );
  };

  return (
    <>
      <Title>{s("tree.title")}</Title>
      <p class="lead">{s("tree.lead")}</p>
      <p>
        <a class="btn btn-primary" href="#/servizi/nuovo" id="resource-new">
          {s("tree.new")}
        </a>
      </p>
      <div role="status" aria-live="polite">
        {note && <Alert kind="success" id="tree-note">{note}</Alert>}
      </div>
      {err && <Alert kind="danger">{err}</Alert>}
      {!list && !err && <Loading label={s("loading")} />}
      {list && list.length === 0 && <p class="text-muted">{s("tree.none")}</p>}
      {list && list.length > 0 && (
        <ul class="list-unstyled" id="resource-tree" aria-label={s("tree.title")}>
          {nest(list).map(item)}
        </ul>
      )}
    </>
  );
}
