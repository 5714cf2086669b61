// The phrasebook's service worker: after one visit the page, its modules, styles and catalogues and the
// phrasebook data all come from this device, with or without a network.
//
// Install precaches the shell and data.json. Every request for them is answered from the cache at once
// and revalidated in the background (stale-while-revalidate): offline nothing waits for a network that
// is not there, and online the next load (or, for the data, this one: the page is told) has the update.
// Favourites live in localStorage, never in these caches, so no update can lose them. Bump VERSION when
// the shell's list changes: activate deletes every other phrasebook cache.

const VERSION = "2026-11-29.2";
const SHELL_CACHE = `rris-phrasebook-shell-${VERSION}`;
const DATA_CACHE = "rris-phrasebook-data";
// Recordings: each URL names one by its hash (?v=), so a kept copy is never stale. Those data.json lists
// are precached while they come to at most AUDIO_PRECACHE_BYTES in all; the others are kept once played.
const AUDIO_CACHE = "rris-phrasebook-audio";
const AUDIO_PREFIX = "/phrasebook/audio/";
const AUDIO_PRECACHE_BYTES = 5 * 1024 * 1024;
const PREFIX = "rris-phrasebook-";
const DATA_URL = "/phrasebook/data.json";
const PAGE_URL = "/phrasebook/";
const SHELL = [
  PAGE_URL,
  "/phrasebook/manifest.webmanifest",
  "/static/phrasebook/phrasebook.js",
  "/static/phrasebook/normalise.js",
  "/static/phrasebook/search.js",
  "/static/phrasebook/session.js",
  "/static/phrasebook/favourites.js",
  "/static/phrasebook/pointing.js",
  "/static/phrasebook/map.js",
  "/static/phrasebook/calendar_picker.js",
  "/static/phrasebook/calendars.js",
  "/static/phrasebook/pointing.css",
  "/static/phrasebook/data/world.json",
  "/static/phrasebook/phrasebook.css",
  "/static/phrasebook/icon.svg",
  "/static/css/app.css",
  "/static/js/i18n.js",
  "/static/i18n/en.json",
  "/static/i18n/sq.json",
  "/static/i18n/sr-Latn.json",
  "/static/i18n/mk.json",
  "/static/i18n/tr.json",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL_CACHE);
      await shell.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
      const data = await caches.open(DATA_CACHE);
      await data.add(new Request(DATA_URL, { cache: "reload" }));
      await keepRecordings(await data.match(DATA_URL)).catch(() => {});
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, DATA_CACHE, AUDIO_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && !keep.has(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

/** The cached answer now, the network's into the cache behind it; pages hear of a new data version. */
async function staleWhileRevalidate(event, cacheName, key) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(key, { ignoreVary: true });
  const refreshed = fetch(key, { cache: "no-cache" })
    .then(async (response) => {
      if (!response.ok) return response;
      const changed = cached && cached.headers.get("ETag") !== response.headers.get("ETag");
      await cache.put(key, response.clone());
      if (key === DATA_URL) await keepRecordings(response.clone()).catch(() => {});
      if (key === DATA_URL && changed) await tellPages({ type: "phrasebook-data" });
      return response;
    })
    .catch((error) => {
      if (cached) return cached;
      throw error;
    });
  if (cached) {
    event.waitUntil(refreshed.catch(() => {}));
    return cached;
  }
  return refreshed;
}

/** The recordings a data.json response lists: those no longer listed dropped, all fetched if small enough. */
async function keepRecordings(dataResponse) {
  const data = await dataResponse.json();
  const listed = Object.entries(data.audio ?? {}).flatMap(([phraseId, byLanguage]) =>
    Object.entries(byLanguage).map(([tag, [sha256, size]]) => ({
      url: new URL(`${AUDIO_PREFIX}${encodeURIComponent(phraseId)}/${encodeURIComponent(tag)}?v=${sha256}`, self.location.origin).href,
      size,
    })),
  );
  const cache = await caches.open(AUDIO_CACHE);
  const wanted = new Set(listed.map((recording) => recording.url));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  if (listed.reduce((total, recording) => total + recording.size, 0) > AUDIO_PRECACHE_BYTES) return;
  for (const { url } of listed) {
    if (!(await cache.match(url))) await cache.add(url).catch(() => {});
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(AUDIO_CACHE);
  const cached = await cache.match(request.url);
  if (cached) return cached;
  const response = await fetch(request.url);
  if (response.status === 200 && new URL(request.url).searchParams.has("v")) {
    await cache.put(request.url, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(AUDIO_PREFIX)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === DATA_URL) {
    event.respondWith(staleWhileRevalidate(event, DATA_CACHE, DATA_URL));
  } else if (request.mode === "navigate" && url.pathname === PAGE_URL) {
    event.respondWith(staleWhileRevalidate(event, SHELL_CACHE, PAGE_URL));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(event, SHELL_CACHE, url.pathname));
  }
});
