// The typed Connect clients every Varco web app uses. They talk to the
// public API on the page's own origin: no third-party origin, and the
// session travels in an HttpOnly cookie the page's scripts cannot read.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService } from "../gen/varco/v1/auth_pb";
import { BookingService } from "../gen/varco/v1/booking_pb";
import { CatalogService } from "../gen/varco/v1/catalog_pb";
import { NotificationService } from "../gen/varco/v1/notification_pb";
import { FieldViolationSchema, ErrorReasonSchema } from "../gen/varco/v1/common_pb";
import { currentLang } from "./i18n";

/** Header asking Login/Register to keep the session in an HttpOnly cookie. */
export const cookieSessionHeader = "Varco-Session";

/** Called when a call that needs a session answers Unauthenticated. */
let onUnauthenticated: () => void = () => {};

/** setUnauthenticatedHandler decides where an expired session leads. */
export function setUnauthenticatedHandler(f: () => void) {
  onUnauthenticated = f;
}

const language: Interceptor = (next) => async (req) => {
  req.header.set("Accept-Language", currentLang());
  if (req.method.name === "Login" || req.method.name === "Register" || req.method.name === "CompleteOidcLogin") {
    req.header.set(cookieSessionHeader, "cookie");
  }
  try {
    return await next(req);
  } catch (e) {
    const err = ConnectError.from(e);
    if (err.code === Code.Unauthenticated) onUnauthenticated();
    throw err;
  }
};

/** transport is the one Connect transport of every app (same origin, the
 * language header, the cookie session). */
export const transport = createConnectTransport({
  baseUrl: location.origin,
  interceptors: [language],
  // Same-origin cookies only; JSON so the network panel stays readable.
  fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
});

/** publicTransport carries the public reads (the catalog, the grid, the
 * push key) as HTTP GET, which the contract allows for RPCs declared
 * NO_SIDE_EFFECTS: the browser and any cache on the way may keep the
 * answers for the short time the server allows (Cache-Control). No
 * credentials: the server ignores the session cookie on a GET anyway, and
 * the answer is the same for everyone. */
export const publicTransport = createConnectTransport({
  baseUrl: location.origin,
  interceptors: [language],
  useHttpGet: true,
  fetch: (input, init) => fetch(input, { ...init, credentials: "omit" }),
});

export interface Api {
  auth: Client<typeof AuthService>;
  catalog: Client<typeof CatalogService>;
  booking: Client<typeof BookingService>;
  notification: Client<typeof NotificationService>;
}

export const api: Api = {
  auth: createClient(AuthService, transport),
  catalog: createClient(CatalogService, publicTransport),
  booking: createClient(BookingService, transport),
  notification: createClient(NotificationService, transport),
};

/** Problem is an API failure reduced to what a page shows. */
export interface Problem {
  code: Code;
  message: string;
  /** field path → message, from varco.v1.FieldViolation details */
  fields: Record<string, string>;
  /** stable reason such as "slot_full", from varco.v1.ErrorReason */
  reason?: string;
  /** true when the request may not have reached the server */
  network: boolean;
}

/** problem turns any thrown value into a Problem. */
export function problem(e: unknown): Problem {
  const err = ConnectError.from(e);
  const fields: Record<string, string> = {};
  for (const v of err.findDetails(FieldViolationSchema)) {
    fields[v.field] = v.description || err.rawMessage;
  }
  const reasons = err.findDetails(ErrorReasonSchema);
  const network = err.code === Code.Unavailable || err.code === Code.Unknown || err.code === Code.DeadlineExceeded;
  return { code: err.code, message: err.rawMessage, fields, reason: reasons[0]?.code, network };
}
