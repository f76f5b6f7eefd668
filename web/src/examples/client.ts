// A Varco API client in TypeScript, with the generated code and the
// connect-es v2 packages the citizen app uses. docs/typescript-client.md
// shows this file; web/build.sh type-checks it with the apps, and
// TestTypeScriptClientExample (internal/app) runs it against a real server,
// so neither can drift from the API.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService } from "../gen/varco/v1/auth_pb";
import { CatalogService, ResourceKind, SlotState } from "../gen/varco/v1/catalog_pb";
import { ErrorReasonSchema, FieldViolationSchema } from "../gen/varco/v1/common_pb";

/** example lists the catalog, reads a week of the grid, shows an error's
 * details, and logs in when given an account. */
export async function example(baseUrl: string, login = "", password = ""): Promise<void> {
  let token = ""; // a session token from AuthService.Login, once logged in

  // Headers every call carries: the language of messages, and the session.
  const headers: Interceptor = (next) => (req) => {
    req.header.set("Accept-Language", "en");
    if (token) req.header.set("Authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl,
    interceptors: [headers],
    // Reads the contract declares NO_SIDE_EFFECTS go as HTTP GET, which
    // browsers and proxies may cache (the public catalog and grid).
    useHttpGet: true,
  });
  const catalog = createClient(CatalogService, transport);
  const auth = createClient(AuthService, transport);

  // The organizations, and the bookable services of the first one.
  const { organizations } = await catalog.listOrganizations({});
  const org = organizations[0];
  console.log(`organization: ${org.name}`);
  const { resources } = await catalog.listResources({ organizationId: org.id });
  const service = resources.find((r) => r.kind === ResourceKind.APPOINTMENT);
  if (!service) throw new Error("no appointment service");
  console.log(`service: ${service.name}`);

  // A week of the grid: local dates in, local times out.
  const grid = await catalog.getAvailability({
    resourceId: service.id,
    fromDate: "2026-12-07",
    toDate: "2026-12-13",
  });
  for (const day of grid.days) {
    const free = day.slots.filter((s) => s.state === SlotState.AVAILABLE);
    console.log(`${day.date}: ${free.length} free${day.closedReason ? ` (${day.closedReason})` : ""}`);
  }

  // Errors: a code, a message in the asked language, and details naming
  // the field (FieldViolation) or a stable reason (ErrorReason).
  try {
    await auth.register({ givenName: "Mario", familyName: "Rossi", email: "not an e-mail" });
  } catch (e) {
    const err = ConnectError.from(e);
    if (err.code === Code.InvalidArgument) {
      for (const v of err.findDetails(FieldViolationSchema)) {
        console.log(`invalid ${v.field} (${v.code}): ${v.description}`);
      }
    }
    const reason = err.findDetails(ErrorReasonSchema)[0];
    if (reason) console.log(`reason: ${reason.code}`);
  }

  // Without a session, calls that need one fail with Unauthenticated...
  try {
    await auth.whoAmI({});
  } catch (e) {
    console.log(`without a session: ${Code[ConnectError.from(e).code]}`);
  }
  // ...and with the token from Login (sent by the interceptor) they answer.
  if (login) {
    const res = await auth.login({ login, password });
    token = res.session?.token ?? "";
    const me = await auth.whoAmI({});
    console.log(`logged in as ${me.account?.givenName} ${me.account?.familyName}`);
  }
}
