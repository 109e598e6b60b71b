/* The log form never loses a word (homework/README.md, "Drafts, submission keys and offline").

   On a form with data-draft-url (templates/homework/client/entry_form.html):
   - 1.5 s after the last keystroke, and when the page is hidden or left, the form's fields go to
     the server as a draft (homework.draft_views); the status line says "Saved".
   - When the server cannot be reached, the fields stay in localStorage ("between:draft:<path>")
     and the status line says "Saved on this phone"; they go to the server when the connection
     returns (the "online" event) and are put back into the form if it is opened again first.
   - Save: the draft goes first, which shows whether the server is there. If it is, the form is
     submitted as usual. If not, the whole submission, its submission_key with it, waits in
     localStorage ("between:send:<path>") and is submitted when the phone is back online; the
     same key makes a second arrival return the entry already saved instead of a copy.
   What localStorage holds is removed as soon as the server has it, and on sign-out (app.js).
   Without JavaScript none of this runs and the form works as before. */
(function () {
  "use strict";

  var PREFIX = "between:";
  var signingOut = false; // then nothing more is kept on this phone (app.js clears what was)
  var DELAY = 1500; // after the last keystroke
  var TIMEOUT = 8000; // a save slower than this counts as no connection
  var RETRY = 20000; // while a submission waits for the connection
  var SAID = {
    server: "Saved",
    phone: "Saved on this phone",
    waiting: "Saved on this phone. It will be sent as soon as you are back online.",
    sending: "Sending…",
  };

  function start(form) {
    var url = form.getAttribute("data-draft-url");
    var status = form.querySelector("[data-draft-status]");
    var path = new URL(form.action, location.href).pathname;
    var draftKey = PREFIX + "draft:" + path;
    var sendKey = PREFIX + "send:" + path;
    var posted = form.hasAttribute("data-draft-posted"); // the server's answer to this very form
    var timer = null;
    var chain = Promise.resolve();
    var dirty = false;
    var filling = false;
    var sending = false;
    var stopped = false; // the server will keep no draft of this form any more (sent, reviewed)
    var retrying = null;

    function say(text) {
      if (status) status.textContent = text;
    }

    // --- The form's fields as {name: [values]}, and back -----------------------------------------

    function fieldsOf() {
      var fields = {};
      new FormData(form).forEach(function (value, name) {
        if (typeof value !== "string" || name === "csrfmiddlewaretoken") return;
        (fields[name] = fields[name] || []).push(value);
      });
      return fields;
    }

    function bodyOf(fields) {
      var body = new URLSearchParams();
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) body.append("csrfmiddlewaretoken", token.value); // this page's, never a kept one
      Object.keys(fields).forEach(function (name) {
        fields[name].forEach(function (value) {
          body.append(name, value);
        });
      });
      return body;
    }

    function fill(fields, withKey) {
      var seen = {};
      filling = true;
      Array.prototype.forEach.call(form.elements, function (element) {
        var name = element.name;
        var type = element.type;
        if (!name || name === "csrfmiddlewaretoken" || (name === "submission_key" && !withKey)) return;
        if (type === "submit" || type === "button" || type === "file") return;
        var values = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : null;
        var before = type === "checkbox" || type === "radio" ? element.checked : element.value;
        if (type === "checkbox") {
          // Absent means unticked, unless the box was switched off (then it was not sent).
          if (values || !element.disabled) element.checked = !!values && values.indexOf(element.value) !== -1;
        } else if (type === "radio") {
          if (values) element.checked = values.indexOf(element.value) !== -1; // absent: none chosen yet
        } else if (element.tagName === "SELECT" && element.multiple) {
          Array.prototype.forEach.call(element.options, function (option) {
            option.selected = !!values && values.indexOf(option.value) !== -1;
          });
        } else if (values) {
          var index = seen[name] || 0;
          seen[name] = index + 1;
          if (index < values.length) element.value = values[index];
        }
        var after = type === "checkbox" || type === "radio" ? element.checked : element.value;
        if (after !== before) {
          // Let the form's own script (log-form.js) show the parts the restored choices need.
          element.dispatchEvent(new Event("input", { bubbles: true }));
          element.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
      filling = false;
    }

    // --- localStorage -------------------------------------------------------------------------

    function keep(key, fields) {
      if (signingOut) return false;
      try {
        localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: fields }));
        return true;
      } catch (e) {
        return false; // storage full or switched off
      }
    }

    function kept(key) {
      try {
        var value = JSON.parse(localStorage.getItem(key) || "null");
        return value && value.fields && typeof value.fields === "object" ? value : null;
      } catch (e) {
        return null;
      }
    }

    function forget(key) {
      try {
        localStorage.removeItem(key);
      } catch (e) {
        /* nothing kept */
      }
    }

    // --- The server -----------------------------------------------------------------------------

    // {state: "saved" | "sent" | "refused" | "offline" | "away", status, body}. "away": an answer
    // that is not ours (signed out: a redirect to sign in; an error page).
    function post(fields, keepalive) {
      if (navigator.onLine === false) return Promise.resolve({ state: "offline" });
      var controller = window.AbortController ? new AbortController() : null;
      var clock = controller
        ? setTimeout(function () {
            controller.abort();
          }, TIMEOUT)
        : null;
      var options = {
        method: "POST",
        body: bodyOf(fields),
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
        keepalive: !!keepalive,
      };
      if (controller) options.signal = controller.signal;
      return fetch(url, options).then(
        function (response) {
          clearTimeout(clock);
          if (response.type === "opaqueredirect") return { state: "away", status: 0 };
          return response.json().then(
            function (body) {
              if (response.ok) return { state: body && body.sent ? "sent" : "saved", status: response.status, body: body };
              return { state: "refused", status: response.status, body: body };
            },
            function () {
              return { state: "away", status: response.status };
            },
          );
        },
        function () {
          clearTimeout(clock);
          return { state: "offline" };
        },
      );
    }

    function settle(result, fields) {
      if (result.state === "saved") {
        forget(draftKey);
        say(SAID.server);
      } else if (result.state === "sent") {
        forget(draftKey);
        stopped = true;
        say("");
      } else if (result.state === "refused") {
        if (result.status === 409) {
          stopped = true; // reviewed, or saved elsewhere: the page's Save explains and keeps the text
          forget(draftKey);
        } else {
          keep(draftKey, fields); // too long for a draft: this phone keeps it meanwhile
        }
        say((result.body && result.body.detail) || "");
      } else if (kept(sendKey)) {
        keep(sendKey, fields);
        say(SAID.waiting);
      } else {
        say(keep(draftKey, fields) ? SAID.phone : "");
      }
      return result;
    }

    function save() {
      clearTimeout(timer);
      timer = null;
      if (sending) return chain;
      var fields = fieldsOf();
      dirty = false;
      if (stopped) return chain;
      chain = chain.then(function () {
        return post(fields).then(function (result) {
          return settle(result, fields);
        });
      });
      return chain;
    }

    function schedule() {
      if (filling || sending) return;
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, DELAY);
    }

    function hidden() {
      if (!dirty || sending) return;
      var fields = fieldsOf();
      clearTimeout(timer);
      timer = null;
      dirty = false;
      if (kept(sendKey)) {
        keep(sendKey, fields);
        return;
      }
      if (stopped) return;
      keep(draftKey, fields); // in case the request dies with the page
      post(fields, true).then(function (result) {
        settle(result, fields);
      });
    }

    // --- Sending the form -------------------------------------------------------------------------

    function submitNow() {
      sending = true;
      clearTimeout(timer);
      forget(draftKey);
      forget(sendKey);
      say(SAID.sending);
      HTMLFormElement.prototype.submit.call(form);
    }

    function waitForConnection(fields) {
      keep(sendKey, fields);
      forget(draftKey);
      say(SAID.waiting);
      if (!retrying) retrying = setInterval(tryToSend, RETRY);
    }

    function tryToSend() {
      var waiting = kept(sendKey);
      if (!waiting || sending) return;
      if (dirty) waiting.fields = fieldsOf(); // typed after pressing Save: that goes too
      post(waiting.fields).then(function (result) {
        if (result.state === "offline") return;
        fill(waiting.fields, true);
        clearInterval(retrying);
        retrying = null;
        submitNow();
      });
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (event) {
      if (sending || event.defaultPrevented) return;
      event.preventDefault();
      clearTimeout(timer);
      timer = null;
      var fields = fieldsOf();
      chain
        .then(function () {
          return post(fields);
        })
        .then(function (result) {
          // Signed out meanwhile ("away"): submit anyway; the server keeps the submission for
          // after signing in again (between/sign_in.py), and this phone keeps the draft.
          if (result.state === "away") keep(draftKey, fields);
          if (result.state === "offline") waitForConnection(fields);
          else submitNow();
        });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") hidden();
    });
    window.addEventListener("pagehide", hidden);
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) sending = false; // back from the next page: the form is live again
    });
    window.addEventListener("online", function () {
      if (kept(sendKey)) tryToSend();
      else if (dirty || kept(draftKey)) save();
    });

    // --- Opening the form -------------------------------------------------------------------------

    var waiting = kept(sendKey);
    var local = kept(draftKey);
    if (posted) {
      // The server shows what was just sent to it; whatever this phone kept is older.
      forget(sendKey);
      forget(draftKey);
    } else if (waiting) {
      fill(waiting.fields, true);
      waitForConnection(waiting.fields);
      if (navigator.onLine !== false) tryToSend();
    } else if (local) {
      var serverAt = Date.parse(form.getAttribute("data-draft-saved-at") || "") || 0;
      if (serverAt >= local.at) {
        forget(draftKey);
        say(SAID.server);
      } else {
        // Ask the server first: the text may have been sent meanwhile (its submission key), or
        // the entry saved since (its version); then it is not brought back.
        post(local.fields).then(function (result) {
          if (result.state === "sent" || (result.state === "refused" && result.status === 409)) {
            forget(draftKey);
            return;
          }
          fill(local.fields, false);
          settle(result, fieldsOf());
        });
      }
    } else if (form.getAttribute("data-draft-saved-at")) {
      say(SAID.server);
    }
  }

  document.addEventListener(
    "submit",
    function (event) {
      if (event.target instanceof HTMLFormElement && event.target.hasAttribute("data-sign-out")) signingOut = true;
    },
    true,
  );

  function init() {
    if (!window.fetch || !window.FormData || !window.URLSearchParams) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-url]"), start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
