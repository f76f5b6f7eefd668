// Who is at the desk: the account and its staff roles. The session lives
// in an HttpOnly cookie (the same one the citizen app uses on this
// origin); the page asks the server who it belongs to.
import { useEffect, useState } from "preact/hooks";
import type { Account, StaffRole } from "../gen/varco/v1/auth_pb";
import { StaffRoleKind } from "../gen/varco/v1/auth_pb";
import { auth } from "./api";

export interface SessionState {
  loaded: boolean;
  account?: Account;
  /** the role the app works with: the first organization's */
  role?: StaffRole;
  /** logged in, but with no staff role anywhere */
  noRole?: boolean;
}

let state: SessionState = { loaded: false };
const listeners = new Set<(s: SessionState) => void>();

function set(s: SessionState) {
  state = s;
  listeners.forEach((f) => f(s));
}

export function setLoggedOut() {
  set({ loaded: true });
}

/** refresh asks the server who we are (the cookie decides). */
export async function refresh(): Promise<SessionState> {
  try {
    const r = await auth.whoAmI({});
    const role = r.roles[0];
    set({ loaded: true, account: r.account, role, noRole: !role });
  } catch {
    set({ loaded: true });
  }
  return state;
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
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}
