// openbell web inbox: progressive enhancement only. Every action works as a
// plain form without this script.
"use strict";
(function () {
  // Ctrl+Enter (Cmd+Enter) in a textarea submits its form.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target instanceof HTMLTextAreaElement && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  window.addEventListener("DOMContentLoaded", function () {
    // After an action the page comes back at #composer: put the focus in
    // the reply box so that the keyboard carries on where it was.
    if (location.hash === "#composer" || document.getElementById("problem")) {
      var t = document.getElementById("reply-text") || document.getElementById("note-text");
      if (t) { t.focus(); }
    }
    listen();
  });

  // Live updates: the server streams the account's events (GET /events,
  // Server-Sent Events from the stored event log); when one concerns this
  // page, the page is fetched again and its changing parts swapped in.
  // Parts that hold the keyboard focus are left alone, so that nothing
  // typed is lost.
  var parts = ["list", "thread-head", "timeline", "side", "composer"];

  function listen() {
    var body = document.body, live = body.getAttribute("data-live");
    if (!live || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
    var es = new EventSource("/events?after=" + encodeURIComponent(body.getAttribute("data-after") || ""));
    var busy = false, again = false;
    es.addEventListener("change", function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      if (live === "inbox" || d.contact === live) { refresh(); }
    });
    window.addEventListener("pagehide", function () { es.close(); });

    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html) { swap(new DOMParser().parseFromString(html, "text/html")); } })
        .catch(function () {})
        .then(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    }
  }

  function swap(doc) {
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    parts.forEach(function (id) {
      var old = document.getElementById(id), fresh = doc.getElementById(id);
      if (!old || !fresh || old.contains(document.activeElement)) { return; }
      old.replaceWith(document.importNode(fresh, true));
    });
    if (atBottom && document.getElementById("timeline")) { window.scrollTo(0, document.body.scrollHeight); }
    document.dispatchEvent(new CustomEvent("openbell:updated"));
  }
})();
