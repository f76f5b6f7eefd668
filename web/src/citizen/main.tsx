// The citizen app: find a service, book it, carry the QR ticket, get the
// expiry warning. Served by the Varco server at / and talking only to its
// public API.
import "./style.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { setUnauthenticatedHandler } from "../shared/api";
import { AppHeader } from "../shared/chrome";
import { currentLang, setLang, type Lang } from "../shared/i18n";
import { AccountPage, takeFlash } from "./account";
import { Book } from "./book";
import { BookingPage, Done, Mine } from "./bookings";
import { Home } from "./home";
import { LoginForm } from "./login";
import { spidError, t } from "./messages";
import { go, here, useRoute } from "../shared/router";
import { Service } from "./service";
import { SpidStep } from "./spid";
import { refresh, setAccount, useSession } from "./session";
import { hasStoredTicket, TicketPage } from "./ticket";
import { Alert, Loading, Title } from "../shared/ui";
// Waiting lists of full events (issue #17).
import { MyWaitlist } from "./waitlist";

// Pages that need a session send the citizen to log in and back again.
const needsLogin = new Set(["prenotazioni", "biglietto", "conferma", "account", "lista-attesa"]);

function LoginPage({ back, spidErr }: { back: string; spidErr?: string | null }) {
  return (
    <>
      <Title>{t("login.title")}</Title>
      {spidErr && (
        <Alert kind="danger" id="spid-error">
          {spidError(spidErr)}
        </Alert>
      )}
      <LoginForm onDone={() => go(back || "prenotazioni")} back={back || "prenotazioni"} />
    </>
  );
}

function Page() {
  const r = useRoute();
  const session = useSession();
  const [head, a, b] = r.path;
  if (!session.loaded) return <Loading label={t("loading")} />;
  // A ticket kept on the device stays viewable without a session (offline
  // at the gate, or after the session ended).
  if (needsLogin.has(head) && !session.account && !(head === "biglietto" && hasStoredTicket(a))) {
    return <LoginPage back={r.path.join("/")} />;
  }
  switch (head) {
    case undefined:
    case "":
      return <Home />;
    case "servizio":
      return <Service id={a} key={a} />;
    case "prenota":
      return <Book resourceId={a} key={`${a}?${r.query.get("offerta") ?? ""}`} offer={r.query.get("offerta") ?? ""} />;
    case "conferma":
      return <Done id={a} key={a} />;
    case "prenotazioni":
      return a ? <BookingPage id={a} key={a} /> : <Mine />;
    case "biglietto":
      return <TicketPage bookingId={a} key={a} />;
    case "accesso":
      if (a === "spid") return <SpidStep step={r.query.get("passo") ?? ""} key={r.query.get("passo")} />;
      return <LoginPage back={r.query.get("ritorno") ?? ""} spidErr={r.query.get("spid_errore")} />;
    case "account":
      return <AccountPage />;
    case "lista-attesa":
      return <MyWaitlist />;
  }
  void b;
  return (
    <>
      <Title>{t("notFound.title")}</Title>
      <p>
        <a href="#/">{t("nav.home")}</a>
      </p>
    </>
  );
}

function App() {
  const session = useSession();
  const [lang, setL] = useState<Lang>(currentLang());
  const [flash, setFlash] = useState("");
  useRoute(); // re-render the chrome on navigation
  useEffect(() => {
    setFlash(takeFlash());
  }, [location.hash]);
  const switchLang = (l: Lang) => {
    setLang(l);
    setL(l);
  };
  return (
    <div key={lang}>
      <AppHeader owner={t("app.owner")} tagline={t("app.tagline")} skip={t("skip")} langLabel={t("lang.choose")} lang={lang} onLang={switchLang}>
        <nav class="app-nav" aria-label={t("nav.main")}>
          <div class="container">
            <ul class="nav py-2 gap-3 flex-wrap">
              <li class="nav-item">
                <a class="nav-link text-white p-0" href="#/" data-element="appointment-booking">
                  {t("nav.book")}
                </a>
              </li>
              <li class="nav-item">
                <a class="nav-link text-white p-0" href="#/prenotazioni" id="nav-mine">
                  {t("nav.mine")}
                </a>
              </li>
              <li class="nav-item">
                {session.account ? (
                  <a class="nav-link text-white p-0" href="#/account" id="nav-account">
                    {session.account.givenName}
                  </a>
                ) : (
                  <a class="nav-link text-white p-0" href={`#/accesso?ritorno=${encodeURIComponent(here())}`} id="nav-login">
                    {t("nav.login")}
                  </a>
                )}
              </li>
            </ul>
          </div>
        </nav>
      </AppHeader>
      <main id="main" class="container py-4">
        {!isSecureContext && <Alert kind="warning">{t("insecure")}</Alert>}
        {flash && <Alert kind="success">{flash}</Alert>}
        <Page />
      </main>
      <footer class="it-footer bg-dark text-white py-4 mt-5">
        <div class="container small">
          <p class="mb-1">{t("footer.about")}</p>
          <p class="mb-0">{t("footer.privacy")}</p>
        </div>
      </footer>
    </div>
  );
}

setLang(currentLang());
// The session ended (expired or logged out elsewhere): pages that need one
// show the login form, which brings the citizen back to the same page.
setUnauthenticatedHandler(() => setAccount(undefined));
void refresh();
render(<App />, document.getElementById("app")!);

// The service worker keeps the app and the tickets available offline.
if ("serviceWorker" in navigator && isSecureContext) {
  addEventListener("load", () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {}));
}
