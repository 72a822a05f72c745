{% load static %}// The phone's service worker, served by inspections.views.offline.service_worker_response: the
// cadre's (/inspections/sw.js, scope /inspections/) and the business's (/enterprise/sw.js).
// Pages: network first, the saved copy when there is no signal; static files: the saved copy,
// refreshed in the background. Saved pages live in one cache per user ("baobao-pages-<id>",
// the id from the X-Baobao-User header of the page), so another login never reads them.
// Queued visits are sent by queue.js: on Background Sync here, and by the pages themselves.
"use strict";

importScripts("{% static 'js/queue.js' %}");

const PAGES = "baobao-pages-";
const STATIC = "baobao-static-{{ version }}";
const ASSETS = [{% for url in assets %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const CACHED_PATHS = [{% for re in cached_paths %}/{{ re|safe }}/{% if not forloop.last %}, {% endif %}{% endfor %}];
const NETWORK_TIMEOUT_MS = 10000;
const FRESH_MS = 30 * 60 * 1000; // a saved form younger than this is not fetched again
const OFFLINE_PAGE = `<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ offline_title|escapejs }}</title>
<body><h1>{{ offline_title|escapejs }}</h1><p>{{ offline_text|escapejs }}</p>
<p><a href="{{ home_url }}">{{ home_label|escapejs }}</a></p></body></html>`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC)
      .then((cache) => cache.addAll(ASSETS))
      .catch(() => null)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("baobao-static-") && key !== STATIC)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function pageCacheFor(user) {
  for (const key of await caches.keys()) {
    if (key.startsWith(PAGES) && key !== PAGES + user) {
      await caches.delete(key); // another user's pages: never kept side by side
    }
  }
  return caches.open(PAGES + user);
}

async function keep(request, response) {
  const user = response.headers.get("X-Baobao-User");
  if (!user || response.status !== 200) {
    return;
  }
  const cache = await pageCacheFor(user);
  if (response.redirected) {
    // A page that sends on to a saved one (the business's home, with one business): kept as
    // that redirect, and the page it reached under its own address.
    const target = new URL(response.url);
    if (target.origin !== self.location.origin || !CACHED_PATHS.some((re) => re.test(target.pathname))) {
      return;
    }
    const copy = new Response(await response.blob(), { status: 200, headers: response.headers });
    await cache.put(new Request(response.url), copy); // a fresh response: not marked redirected
    await cache.put(request, Response.redirect(response.url, 302));
    return;
  }
  await cache.put(request, response);
}

async function savedPage(request) {
  for (const key of await caches.keys()) {
    if (key.startsWith(PAGES)) {
      const hit = await (await caches.open(key)).match(request, { ignoreVary: true });
      if (hit) {
        return hit;
      }
    }
  }
  return null;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function page(request) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    await keep(request, response.clone()).catch(() => null);
    return response;
  } catch (error) {
    const saved = await savedPage(request);
    if (saved) {
      return saved;
    }
    return new Response(OFFLINE_PAGE, {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
}

async function asset(request, event) {
  const cache = await caches.open(STATIC);
  const saved = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) {
      cache.put(request, response.clone());
    }
    return response;
  });
  if (saved) {
    event.waitUntil(fresh.catch(() => null));
    return saved;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith("{{ static_url }}")) {
    event.respondWith(asset(request, event));
  } else if (request.mode === "navigate" && CACHED_PATHS.some((re) => re.test(url.pathname))) {
    event.respondWith(page(request));
  }
});

// The pages ask: save these (the task page lists the forms of every business held).
async function precache(urls) {
  for (const url of urls) {
    const saved = await savedPage(new Request(url));
    const savedAt = saved && Date.parse(saved.headers.get("Date") || "");
    if (savedAt && Date.now() - savedAt < FRESH_MS) {
      continue;
    }
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      await keep(new Request(url), response);
    } catch (error) {
      return; // the signal went: the rest another time
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "precache") {
    event.waitUntil(
      precache(data.urls || []).then(
        () => event.ports[0] && event.ports[0].postMessage({ done: true }),
      ),
    );
  }
});

async function sendQueued() {
  const outcome = await self.BaobaoQueue.flush({
    onSent: async (record) => {
      const clients = await self.clients.matchAll({ type: "window" });
      clients.forEach((client) => client.postMessage({ type: "sent", name: record.entityName }));
    },
  });
  if (outcome === "offline") {
    throw new Error("no signal yet"); // Background Sync tries again later
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === "baobao-send") {
    event.waitUntil(sendQueued());
  }
});
