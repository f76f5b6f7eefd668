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

// hint is the citizen app's "this browser has logged in" mark (no
// credential): the cookie is one for the whole origin, so both apps keep
// it, and a first visit does not ask the server about a session it cannot
// have.
const hint = "varco.session";

function set(s: SessionState) {
  state = s;
  try {
    if (s.account) localStorage.setItem(hint, "1");
    else if (s.loaded) localStorage.removeItem(hint);
  } catch {
    /* storage disabled */
  }
  listeners.forEach((f) => f(s));
}

export function setLoggedOut() {
  set({ loaded: true });
}

/** refresh asks the server who we are (the cookie decides); after a login
 * (force) even without the hint. */
export async function refresh(force = false): Promise<SessionState> {
  let known = true;
  try {
    known = force || localStorage.getItem(hint) === "1";
  } catch {
    /* storage disabled: ask */
  }
  if (!known) {
    set({ loaded: true });
    return state;
  }
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
