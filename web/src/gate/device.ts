// The gate device's identity: the credential Enroll returned and the gate's
// settings, kept on the device (localStorage, under varco.gate.*), and the
// GateService client that sends the credential as a bearer token. A device
// is not a citizen: it never uses the session cookie.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { GateService, type GateSettings } from "../gen/varco/v1/gate_pb";
import { GateDirection } from "../gen/varco/v1/auth_pb";
import { currentLang } from "../shared/i18n";
import { clearLocal } from "./offline/local";

const key = "varco.gate.device";

/** Device is what the phone remembers about itself. */
export interface Device {
  credential: string;
  deviceId: string;
  name: string;
  resourceIds: string[];
  direction: GateDirection;
  timeZone: string;
}

export function loadDevice(): Device | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? "null") as Device | null;
    return v?.credential ? v : undefined;
  } catch {
    return undefined;
  }
}

export function saveDevice(credential: string, s: GateSettings | undefined): Device {
  const d: Device = {
    credential,
    deviceId: s?.deviceId ?? "",
    name: s?.name ?? "",
    resourceIds: s?.resourceIds ?? [],
    direction: s?.direction ?? GateDirection.BOTH,
    timeZone: s?.timeZone || "Europe/Rome",
  };
  localStorage.setItem(key, JSON.stringify(d));
  return d;
}

export function forgetDevice() {
  localStorage.removeItem(key);
  // The synced state and any unsent scan belong to the forgotten device.
  void clearLocal();
}

/** Called when the server no longer accepts the credential (revoked). */
let onRevoked: () => void = () => {};

export function setRevokedHandler(f: () => void) {
  onRevoked = f;
}

/** deviceRevoked is the Sync stream saying the device was revoked. */
export function deviceRevoked() {
  onRevoked();
}

const headers: Interceptor = (next) => async (req) => {
  req.header.set("Accept-Language", currentLang());
  const d = loadDevice();
  if (d && req.method.name !== "Enroll") req.header.set("Authorization", `Bearer ${d.credential}`);
  try {
    return await next(req);
  } catch (e) {
    const err = ConnectError.from(e);
    if (err.code === Code.Unauthenticated && req.method.name !== "Enroll") onRevoked();
    throw err;
  }
};

const transport = createConnectTransport({
  baseUrl: location.origin,
  interceptors: [headers],
  // No cookies: the device's only credential is its bearer token.
  fetch: (input, init) => fetch(input, { ...init, credentials: "omit" }),
});

export const gate: Client<typeof GateService> = createClient(GateService, transport);

/** newScanId is the client-generated UUID that makes a scan idempotent. */
export function newScanId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
