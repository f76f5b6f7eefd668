/// <reference lib="webworker" />
// The gate app's service worker, scope /gate/: keeps the app shell so the
// scanning screen opens with poor signal. API calls always go to the
// network (a verdict must never come from a cache).
export {};
declare const self: ServiceWorkerGlobalScope;
declare const VARCO_VERSION: string;
declare const VARCO_ASSETS: string[];
declare const VARCO_BASE: string;

const prefix = "varco-gate-";
const cacheName = prefix + VARCO_VERSION;
const shell = [VARCO_BASE, ...VARCO_ASSETS];

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
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(prefix) && k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (req.mode === "navigate" && url.pathname === VARCO_BASE) {
    // Network first, so a new version is seen at once; the cached shell
    // when there is no network.
    e.respondWith(
      fetch(req)
        .then((r) => {
          const copy = r.clone();
          if (r.ok) caches.open(cacheName).then((c) => c.put(VARCO_BASE, copy));
          return r;
        })
        .catch(() => caches.match(VARCO_BASE).then((r) => r ?? Response.error())),
    );
    return;
  }
  if (shell.includes(url.pathname)) {
    e.respondWith(caches.match(url.pathname).then((r) => r ?? fetch(req)));
  }
});
