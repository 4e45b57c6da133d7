{% autoescape off %}// BackCare's offline worker for the exercise pages (exercises/player.py). It keeps only what a
// player or progress page asked it to keep, plus our own static files; it never sends anything.
"use strict";
const CACHE = {{ cache_name }};
const PRECACHE = {{ precache }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("backcare-player-") && name !== CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

// A page asks to be kept, with its files: {keep: [url, ...]}; the answer says when they are.
self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.keep) || [];
  // Cache.addAll refuses a list that names a file twice.
  const sameOrigin = [
    ...new Set(
      urls
        .map((url) => new URL(url, self.location.origin))
        .filter((url) => url.origin === self.location.origin)
        .map((url) => url.pathname)
    ),
  ];
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(sameOrigin))
      .then(() => event.source && event.source.postMessage({ kept: sameOrigin.length }))
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Static names carry a hash of their content: a kept copy is always right.
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then((kept) => kept || fetch(request))
    );
    return;
  }
  if (request.mode === "navigate") {
    // Pages: the network first (staff may have changed them), a kept copy when offline.
    event.respondWith(
      caches.open(CACHE).then((cache) =>
        fetch(request)
          .then((response) => {
            // Refresh a kept page (only pages that asked to be kept are ever stored).
            const copy = response.clone();
            event.waitUntil(
              cache.match(url.pathname, { ignoreVary: true }).then((kept) => {
                if (kept && response.ok) return cache.put(url.pathname, copy);
                return undefined;
              })
            );
            return response;
          })
          .catch(() =>
            cache
              .match(url.pathname, { ignoreVary: true })
              .then((kept) => kept || Response.error())
          )
      )
    );
  }
});
{% endautoescape %}
