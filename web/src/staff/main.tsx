// The staff app: the operator's day (agenda, attendance, cancellations)
// and, for organizers, statistics, exports and gate devices. Served by the
// Varco server at /staff/ and talking only to its API.
import "./style.css";
import { render } from "preact";
import { useState } from "preact/hooks";
import { setUnauthenticatedHandler } from "../shared/api";
import { AppHeader } from "../shared/chrome";
import { currentLang, setLang, type Lang } from "../shared/i18n";
import { Agenda } from "./agenda";
import { BlockPage } from "./block";
import { CounterPage } from "./counter";
import { MovePage } from "./move";
import { ProposePage } from "./propose";
import { Devices } from "./devices";
import { LoginForm } from "./login";
import { t } from "./messages";
import { useRoute } from "../shared/router";
import { isOrganizer, logout, refresh, setLoggedOut, useSession } from "./session";
import { StatsPage } from "./stats";
// Live occupancy, webhooks and the audit trail (issue #21).
import { AuditPage } from "./audit";
import { OccupancyPage } from "./occupancy";
import { WebhooksPage } from "./webhooks";
import { SetupNav, setupPage } from "./setup_routes";
// Waiting lists of full events (issue #17).
import { WaitlistPage } from "./waitlist";
import { Alert, Loading, Title } from "../shared/ui";

function Page() {
  const r = useRoute();
  const session = useSession();
  if (!session.loaded) return <Loading label={t("loading")} />;
  if (!session.account) {
    return (
      <>
        <Title>{t("login.title")}</Title>
        <LoginForm />
      </>
    );
  }
  if (!session.role) {
    return (
      <>
        <Title>{t("noRole.title")}</Title>
        <Alert kind="warning">{t("noRole.text")}</Alert>
      </>
    );
  }
  const org = session.role.organizationId;
  switch (r.path[0]) {
    case undefined:
    case "":
    case "agenda":
      return <Agenda org={org} role={session.role} query={r.query} />;
    case "sposta":
      if (r.path[1]) return <MovePage id={r.path[1]} />;
      break;
    // Another date proposed, and a video call's link (#17).
    case "proponi":
      if (r.path[1]) return <ProposePage id={r.path[1]} />;
      break;
    case "sportello":
      return <CounterPage org={org} role={session.role} query={r.query} />;
    case "blocca":
      return <BlockPage org={org} role={session.role} query={r.query} />;
    case "statistiche":
      if (isOrganizer(session)) return <StatsPage org={org} query={r.query} />;
      break;
    case "dispositivi":
      if (isOrganizer(session)) return <Devices org={org} />;
      break;
    // Live occupancy (operators and organizers), webhooks and the audit
    // trail (organizers).
    case "occupazione":
      return <OccupancyPage org={org} role={session.role} />;
    case "lista-attesa":
      return <WaitlistPage org={org} role={session.role} query={r.query} />;
    case "webhook":
      if (isOrganizer(session)) return <WebhooksPage org={org} />;
      break;
    case "registro":
      if (isOrganizer(session)) return <AuditPage org={org} />;
      break;
    default: {
      // The organizer's setup: places, services, opening hours, staff.
      const page = isOrganizer(session) ? setupPage(r.path, r.query, org, session.account?.id ?? "") : undefined;
      if (page) return page;
    }
  }
  return (
    <>
      <Title>{t("notFound.title")}</Title>
      <p>
        <a href="#/">{t("nav.agenda")}</a>
      </p>
    </>
  );
}

function App() {
  const session = useSession();
  const [lang, setL] = useState<Lang>(currentLang());
  const route = useRoute();
  const switchLang = (l: Lang) => {
    setLang(l);
    setL(l);
  };
  const current = (p: string) => ((route.path[0] ?? "") === p || (p === "" && route.path[0] === "agenda") ? "page" : undefined);
  return (
    <div key={lang}>
      <AppHeader owner={t("app.owner")} tagline={t("app.tagline")} skip={t("skip")} langLabel={t("lang.choose")} lang={lang} onLang={switchLang}>
        {session.role && (
          <nav class="app-nav" aria-label={t("nav.main")}>
            <div class="container">
              <ul class="nav py-2 gap-3 flex-wrap align-items-center">
                <li class="nav-item">
                  <a class="nav-link text-white p-0" href="#/" aria-current={current("")} id="nav-agenda">
                    {t("nav.agenda")}
                  </a>
                </li>
                <li class="nav-item">
                  <a class="nav-link text-white p-0" href="#/occupazione" aria-current={current("occupazione")} id="nav-occupancy">
                    {t("nav.occupancy")}
                  </a>
                </li>
                <li class="nav-item">
                  <a class="nav-link text-white p-0" href="#/lista-attesa" aria-current={current("lista-attesa")} id="nav-waitlist">
                    {t("nav.waitlist")}
                  </a>
                </li>
                {isOrganizer(session) && (
                  <>
                    <li class="nav-item">
                      <a class="nav-link text-white p-0" href="#/webhook" aria-current={current("webhook")} id="nav-webhooks">
                        {t("nav.webhooks")}
                      </a>
                    </li>
                    <li class="nav-item">
                      <a class="nav-link text-white p-0" href="#/registro" aria-current={current("registro")} id="nav-audit">
                        {t("nav.audit")}
                      </a>
                    </li>
                  </>
                )}
                {isOrganizer(session) && (
                  <>
                    <li class="nav-item">
                      <a class="nav-link text-white p-0" href="#/statistiche" aria-current={current("statistiche")} id="nav-stats">
                        {t("nav.stats")}
                      </a>
                    </li>
                    <li class="nav-item">
                      <a class="nav-link text-white p-0" href="#/dispositivi" aria-current={current("dispositivi")} id="nav-devices">
                        {t("nav.devices")}
                      </a>
                    </li>
                    <SetupNav current={current} />
                  </>
                )}
                <li class="nav-item ms-auto text-white small">
                  {session.account?.givenName} {session.account?.familyName} · {isOrganizer(session) ? t("role.organizer") : t("role.operator")}
                </li>
                <li class="nav-item">
                  <button type="button" class="btn btn-sm btn-outline-light" id="logout" onClick={() => void logout()}>
                    {t("nav.logout")}
                  </button>
                </li>
              </ul>
            </div>
          </nav>
        )}
      </AppHeader>
      <main id="main" class="container py-4">
        <Page />
      </main>
      <footer class="it-footer bg-dark text-white py-4 mt-5">
        <div class="container small">
          <p class="mb-0">{t("footer.privacy")}</p>
        </div>
      </footer>
    </div>
  );
}

setLang(currentLang());
// The session ended (expired, logged out elsewhere): back to the login form.
setUnauthenticatedHandler(setLoggedOut);
void refresh();
render(<App />, document.getElementById("app")!);
