// Keeps a registry report's or export's progress up to date (outcomes/_progress.html):
// asks the job's status URL every 2 seconds, updates the bar and its sentence, and
// reloads the page once the job has finished, to show the report or the files.
// Without JavaScript the page's "Check again" link does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || typeof window.fetch !== "function") { return; }
  var url = box.dataset.statusUrl;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var EVERY = 2000;
  // Each poll counts as activity for the idle sign-out: stop after half an hour, so a
  // page left open does not keep a session alive for ever. "Check again" still works.
  var left = 900;

  function show(status) {
    if (bar && typeof status.progress === "number") {
      bar.value = status.progress;
      bar.textContent = status.progress + "%";
    }
    // Only a changed sentence is written, so the live region announces changes only.
    if (text && status.text && text.textContent !== status.text) {
      text.textContent = status.text;
    }
  }

  function poll() {
    left -= 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) {
          window.location.reload();
          return;
        }
        show(status);
        if (left > 0) { window.setTimeout(poll, EVERY); }
      })
      .catch(function () {
        // Signed out, or the server is away: the "Check again" link is still there.
      });
  }

  window.setTimeout(poll, EVERY);
}());
