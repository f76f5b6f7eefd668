// The services a staff member works on: the organization's bookable
// resources, only those of an operator's role when it names some.
import { useEffect, useState } from "preact/hooks";
import type { Resource } from "../gen/varco/v1/catalog_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { catalog } from "./api";

export function useResources(org: string, role?: StaffRole): Resource[] {
  const [list, setList] = useState<Resource[]>([]);
  useEffect(() => {
    catalog
      .listResources({ organizationId: org, includeInactive: true })
      .then((r) => {
        const mine = role && role.resourceIds.length ? new Set(role.resourceIds) : undefined;
        setList(r.resources.filter((x) => x.kind !== ResourceKind.GROUP && (!mine || mine.has(x.id))));
      })
      .catch(() => setList([]));
  }, [org]);
  return list;
}
