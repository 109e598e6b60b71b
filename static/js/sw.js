/* Between's service worker, served at /sw.js (between.views.service_worker) with scope "/".

   What it keeps (Cache Storage, this origin only), and nothing else:
   - the today page (/today/), the one signed-in page shown offline: the newest copy fetched
     online, kept only when it is a real 200 for /today/ without one-off messages; dropped as
     soon as /today/ answers with a redirect (signed out, or the session ran out);
   - the static files (CSS, JS, icons) and the manifest, so that copy looks right offline.
   Every other page goes to the network and is never stored: they hold clinical text.
   Sign-out's Clear-Site-Data ("cache", "storage") deletes all of it, this worker included.
   Drafts are not kept here: static/js/drafts.js keeps them in localStorage. */
"use strict";

var CACHE = "between-v1";
var TODAY = "/today/"; // homework:client_home
var STATIC = "/static/";
var PUBLIC_FILES = ["/manifest.webmanifest", "/favicon.ico"];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names.filter(function (name) {
            return name !== CACHE;
          }).map(function (name) {
            return caches.delete(name);
          }),
        );
      })
      .then(function () {
        return self.clients.claim();
      })
      .then(function () {
        return refreshToday(false);
      })
      .catch(function () {}),
  );
});

function isToday(response) {
  return response.ok && response.type === "basic" && !response.redirected && new URL(response.url).pathname === TODAY;
}

// Answers for /today/ can arrive out of order (the worker's own fetch, a navigation): each
// gets a ticket when it is asked for, and one older than the last kept is ignored. They are
// kept one after the other.
var asked = 0;
var kept = 0;
var keeping = Promise.resolve();

function keepToday(response, ticket, again) {
  keeping = keeping
    .then(function () {
      if (ticket < kept) return undefined;
      kept = ticket;
      return caches.open(CACHE).then(function (cache) {
        if (!isToday(response)) return cache.delete(TODAY); // signed out, or the session ran out
        return response.text().then(function (html) {
          // A page with a message ("Saved...") is a one-off: fetch a plain one instead, once.
          if (html.indexOf('class="messages"') !== -1) {
            if (!again) refreshToday(true); // kept after this one, through `keeping`
            return undefined;
          }
          var assets = [];
          html.replace(/(?:href|src)="(\/static\/[^"]+)"/g, function (match, path) {
            assets.push(path);
            return match;
          });
          // The same headers (the CSP with them) as the page had online.
          return Promise.all([
            cache.put(TODAY, new Response(html, { status: 200, headers: response.headers })),
            cache.addAll(assets.concat(PUBLIC_FILES)).catch(function () {}),
          ]);
        });
      });
    })
    .catch(function () {});
  return keeping;
}

// When the worker starts: the first visit's page came before it, so fetch the today page once.
function refreshToday(again) {
  var ticket = ++asked;
  return fetch(TODAY, { credentials: "same-origin", cache: "no-store" }).then(
    function (response) {
      keepToday(response, ticket, again);
    },
    function () {},
  );
}

function networkFirst(request, key) {
  return fetch(request).then(
    function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.put(key || request, copy);
        });
      }
      return response;
    },
    function () {
      return caches.match(key || request).then(function (found) {
        return found || Response.error();
      });
    },
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname !== TODAY) return; // never stored: the network's answer or the browser's error
    var ticket = ++asked;
    event.respondWith(
      fetch(request).then(
        function (response) {
          event.waitUntil(keepToday(response.clone(), ticket));
          return response;
        },
        function () {
          return caches.match(TODAY).then(function (found) {
            return found || Response.error();
          });
        },
      ),
    );
    return;
  }
  if (url.pathname.indexOf(STATIC) === 0 || PUBLIC_FILES.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
