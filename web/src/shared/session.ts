// A small store of who is using an app, shared by the citizen and staff
// apps. The session itself lives in an HttpOnly cookie set by the server;
// the page only knows the account it belongs to.
import { useEffect, useState } from "preact/hooks";
import type { Account } from "../gen/varco/v1/auth_pb";

/** Base is what every app's session state has. */
export interface Base {
  loaded: boolean;
  account?: Account;
}

// hint remembers (not secretly: it is no credential) that this browser
// logged in, so a first visit does not ask the server about a session it
// cannot have. The cookie is one for the whole origin, so every app keeps
// the same hint.
const hint = "varco.session";

/** mayHaveSession says whether asking the server is worth it. */
export function mayHaveSession(): boolean {
  try {
    return localStorage.getItem(hint) === "1";
  } catch {
    return true; // storage disabled: ask
  }
}

/** Store holds one app's session state and tells its components. */
export class Store<S extends Base> {
  private state: S;
  private listeners = new Set<(s: S) => void>();

  constructor(initial: S) {
    this.state = initial;
  }

  get(): S {
    return this.state;
  }

  set(s: S) {
    this.state = s;
    try {
      if (s.account) localStorage.setItem(hint, "1");
      else if (s.loaded) localStorage.removeItem(hint);
    } catch {
      /* storage disabled */
    }
    this.listeners.forEach((f) => f(s));
  }

  /** use is the hook that re-renders a component on every change. */
  use(): S {
    const [s, setS] = useState(this.state);
    useEffect(() => {
      this.listeners.add(setS);
      setS(this.state);
      return () => {
        this.listeners.delete(setS);
      };
    }, []);
    return s;
  }
}
