// Who is using the app. The session itself lives in an HttpOnly cookie set
// by the server; the page only knows the account it belongs to.
import { useEffect, useState } from "preact/hooks";
import { api, problem } from "../shared/api";
import type { Account } from "../gen/varco/v1/auth_pb";
import { PrincipalKind } from "../gen/varco/v1/common_pb";

export interface SessionState {
  loaded: boolean;
  account?: Account;
}

let state: SessionState = { loaded: false };
const listeners = new Set<(s: SessionState) => void>();

// hint remembers (not secretly: it is no credential) that this browser
// logged in, so a first visit does not ask the server about a session it
// cannot have.
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

export function setAccount(account: Account | undefined) {
  set({ loaded: true, account });
}

/** refresh asks the server who we are (the cookie decides). */
export async function refresh(): Promise<SessionState> {
  let known = false;
  try {
    known = localStorage.getItem(hint) === "1";
  } catch {
    known = true;
  }
  if (!known) {
    set({ loaded: true });
    return state;
  }
  try {
    const r = await api.auth.whoAmI({});
    set({ loaded: true, account: r.kind === PrincipalKind.CITIZEN || r.kind === PrincipalKind.STAFF ? r.account : undefined });
  } catch (e) {
    // Expired: logged out. Offline: keep what we knew, so a ticket still shows.
    set({ loaded: true, account: problem(e).network ? state.account : undefined });
  }
  return state;
}

export async function logout() {
  try {
    await api.auth.logout({});
  } finally {
    set({ loaded: true });
  }
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
