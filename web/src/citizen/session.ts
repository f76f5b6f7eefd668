// Who is using the citizen app (the store is shared/session.ts).
import { api, problem } from "../shared/api";
import type { Account } from "../gen/varco/v1/auth_pb";
import { mayHaveSession, Store, type Base } from "../shared/session";
import { PrincipalKind } from "../gen/varco/v1/common_pb";

export type SessionState = Base;

const store = new Store<SessionState>({ loaded: false });
const set = (s: SessionState) => store.set(s);

export function setAccount(account: Account | undefined) {
  set({ loaded: true, account });
}

/** refresh asks the server who we are (the cookie decides); force asks
 * even when this browser never logged in (back from SPID/CIE). */
export async function refresh(force = false): Promise<SessionState> {
  if (!force && !mayHaveSession()) {
    set({ loaded: true });
    return store.get();
  }
  try {
    const r = await api.auth.whoAmI({});
    set({ loaded: true, account: r.kind === PrincipalKind.CITIZEN || r.kind === PrincipalKind.STAFF ? r.account : undefined });
  } catch (e) {
    // Expired: logged out. Offline: keep what we knew, so a ticket still shows.
    set({ loaded: true, account: problem(e).network ? store.get().account : undefined });
  }
  return store.get();
}

/** logout ends the session; one opened with SPID/CIE also ends at the
 * provider, which sends the browser back to the app: then it answers true
 * (the page is leaving, so the caller must not navigate). */
export async function logout(): Promise<boolean> {
  let provider = "";
  try {
    provider = (await api.auth.logout({})).providerLogoutUrl;
  } finally {
    set({ loaded: true });
  }
  if (!provider) return false;
  location.assign(provider);
  return true;
}

export function useSession(): SessionState {
  return store.use();
}
