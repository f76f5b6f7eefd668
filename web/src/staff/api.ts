// The back office's clients: AdminService and the public services, all on
// the one shared transport (same origin, language header, HttpOnly cookie
// session).
import { createClient } from "@connectrpc/connect";
import { AdminService } from "../gen/varco/v1/admin_pb";
import { GateService } from "../gen/varco/v1/gate_pb";
import { api, transport } from "../shared/api";

export const admin = createClient(AdminService, transport);
export const auth = api.auth;
export const catalog = api.catalog;
/** gate serves the live occupancy page: GateService.WatchOccupancy answers
 * staff too (organizers, and operators of the event), scoped by the
 * server's policy table. */
export const gate = createClient(GateService, transport);
