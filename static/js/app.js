/* Every page: register the service worker (static/js/sw.js, served at /sw.js), say so when a page
   is the copy kept for offline, and forget what this browser kept of anyone's text on sign-out.
   The sign-out answer's Clear-Site-Data header ("cache", "storage") clears the same and more;
   this covers browsers that ignore it. No inline script: the CSP allows script files only. */
(function () {
  "use strict";

  var PREFIX = "between:"; // every localStorage key of ours (static/js/drafts.js)

  function forgetKeptText() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) localStorage.removeItem(key);
      }
    } catch (e) {
      /* storage switched off: nothing was kept */
    }
  }

  document.addEventListener("submit", function (event) {
    if (event.target instanceof HTMLFormElement && event.target.hasAttribute("data-sign-out")) forgetKeptText();
  });

  var KEPT_COPY = "You are offline. This is the page as it was when you were last online.";
  var WENT_OFFLINE = "You are offline. What you type is kept on this phone and sent when you are back online.";

  function offlineNotice(text) {
    var main = document.getElementById("main");
    if (!main || navigator.onLine || document.querySelector("[data-offline-notice]")) return;
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.setAttribute("data-offline-notice", "");
    notice.setAttribute("role", "status");
    notice.textContent = text;
    main.insertBefore(notice, main.firstChild);
  }

  // Loaded while offline: only the service worker's kept copy of the today page can be showing.
  document.addEventListener("DOMContentLoaded", function () {
    offlineNotice(KEPT_COPY);
  });
  window.addEventListener("offline", function () {
    offlineNotice(WENT_OFFLINE);
  });
  window.addEventListener("online", function () {
    var notice = document.querySelector("[data-offline-notice]");
    if (notice) notice.remove();
  });

  var script = document.currentScript;
  var workerUrl = script && script.getAttribute("data-service-worker");
  if (workerUrl && "serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(workerUrl, { scope: "/" }).catch(function () {
        /* no worker (private mode, http on a LAN address): pages work as before */
      });
    });
  }
})();
