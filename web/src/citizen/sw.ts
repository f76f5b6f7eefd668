/// <reference lib="webworker" />
// The citizen app's service worker: keeps the app shell for offline use
// (the ticket's data is kept by the page itself) and shows Web Push
// messages such as the ticket's expiry warning.
export {};
declare const self: ServiceWorkerGlobalScope;
declare const VARCO_VERSION: string;
declare const VARCO_ASSETS: string[];

const cacheName = `varco-citizen-${VARCO_VERSION}`;
const shell = ["/", ...VARCO_ASSETS];

self.addEventListener("install", (e) => {
  e.waitUntil(
    caches
      .open(cacheName)
      .then((c) => c.addAll(shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("varco-citizen-") && k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (req.mode === "navigate" && url.pathname === "/") {
    // Network first, so a new version is seen at once; the cached shell
    // when there is no network (a gate with poor signal).
    e.respondWith(
      fetch(req)
        .then((r) => {
          const copy = r.clone();
          if (r.ok) caches.open(cacheName).then((c) => c.put("/", copy));
          return r;
        })
        .catch(() => caches.match("/").then((r) => r ?? Response.error())),
    );
    return;
  }
  if (shell.includes(url.pathname)) {
    e.respondWith(caches.match(url.pathname).then((r) => r ?? fetch(req)));
  }
});

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
}

self.addEventListener("push", (e) => {
  let p: PushPayload = {};
  try {
    p = e.data?.json() ?? {};
  } catch {
    p = { body: e.data?.text() };
  }
  e.waitUntil(
    self.registration.showNotification(p.title || "Varco", {
      body: p.body ?? "",
      tag: p.tag,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { url: p.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const target = new URL((e.notification.data as { url?: string })?.url || "/", self.location.origin);
  // Only our own pages: a push payload must not send anyone elsewhere.
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  e.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if ("focus" in c) {
          return (c as WindowClient).navigate(url).then((w) => w?.focus());
        }
      }
      return self.clients.openWindow(url).then(() => undefined);
    }),
  );
});
