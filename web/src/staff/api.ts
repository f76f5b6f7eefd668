// The back office's clients: AdminService and the public services, all on
// the one shared transport (same origin, language header, HttpOnly cookie
// session).
import { createClient } from "@connectrpc/connect";
import { AdminService } from "../gen/varco/v1/admin_pb";
import { CatalogService } from "../gen/varco/v1/catalog_pb";
import { GateService } from "../gen/varco/v1/gate_pb";
import { api, transport } from "../shared/api";

export const admin = createClient(AdminService, transport);
export const auth = api.auth;
/** catalog is the staff's view of the catalog: POST with the session
 * cookie, since paused resources (include_inactive) are for staff only and
 * the cookie does not count on the public GET transport. */
export const catalog = createClient(CatalogService, transport);
/** gate serves the live occupancy page: GateService.WatchOccupancy answers
 * staff too (organizers, and operators of the event), scoped by the
 * server's policy table. */
export const gate = createClient(GateService, transport);
