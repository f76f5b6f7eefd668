// Who is at the desk: the account and its staff roles. The session lives
// in an HttpOnly cookie (the same one the citizen app uses on this
// origin); the page asks the server who it belongs to.
import type { StaffRole } from "../gen/varco/v1/auth_pb";
import { StaffRoleKind } from "../gen/varco/v1/auth_pb";
import { mayHaveSession, Store, type Base } from "../shared/session";
import { auth } from "./api";

export interface SessionState extends Base {
  /** the role the app works with: the first organization's */
  role?: StaffRole;
  /** logged in, but with no staff role anywhere */
  noRole?: boolean;
}

const store = new Store<SessionState>({ loaded: false });
const set = (s: SessionState) => store.set(s);

export function setLoggedOut() {
  set({ loaded: true });
}

/** refresh asks the server who we are (the cookie decides); after a login
 * (force) even without the hint. */
export async function refresh(force = false): Promise<SessionState> {
  if (!force && !mayHaveSession()) {
    set({ loaded: true });
    return store.get();
  }
  try {
    const r = await auth.whoAmI({});
    const role = r.roles[0];
    set({ loaded: true, account: r.account, role, noRole: !role });
  } catch {
    set({ loaded: true });
  }
  return store.get();
}

export async function logout() {
  try {
    await auth.logout({});
  } finally {
    set({ loaded: true });
  }
}

/** isOrganizer: statistics, exports and devices are the organizer's. */
export function isOrganizer(s: SessionState): boolean {
  return s.role?.kind === StaffRoleKind.ORGANIZER;
}

export function useSession(): SessionState {
  return store.use();
}
