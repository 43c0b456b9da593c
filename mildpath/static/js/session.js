// Warns before the idle sign-out (WCAG 2.2.1 Timing Adjustable) and lets the person
// stay signed in. The server enforces the timeout; this only tells the person in time.
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var idle = Number(dialog.dataset.idle) * 1000;
  var warning = Number(dialog.dataset.warning) * 1000;
  var warnTimer = null;
  var endTimer = null;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      if (!dialog.open) { dialog.showModal(); }
      document.getElementById("session-stay").focus();
    }, Math.max(idle - warning, 0));
    endTimer = setTimeout(function () {
      window.location.assign(dialog.dataset.endedUrl);
    }, idle);
  }

  dialog.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    fetch(dialog.dataset.extendUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) {
        dialog.close();
        schedule();
      } else {
        window.location.assign(dialog.dataset.endedUrl);
      }
    });
  });
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
  schedule();
})();
