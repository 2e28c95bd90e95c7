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
  // After an action the page comes back at #composer: put the focus in the
  // reply box so that the keyboard carries on where it was.
  window.addEventListener("DOMContentLoaded", function () {
    if (location.hash === "#composer" || document.getElementById("problem")) {
      var t = document.getElementById("reply-text") || document.getElementById("note-text");
      if (t) { t.focus(); }
    }
  });
})();
