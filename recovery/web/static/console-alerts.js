// The alerts console's updates (templates/alerts/console.html): every few seconds it asks the server how many
// alerts are new or changed since the page was drawn (GET /staff/alerts/changes, two counts) and, when there are
// some, shows "3 new alerts: Show". The page itself is never reloaded or rewritten, so a note being typed stays
// as it is; the analyst chooses when to load the new list. Without script the page keeps its Refresh link.
(function () {
  "use strict";
  var box = document.getElementById("alert-updates");
  if (!box || !window.fetch) { return; }
  var offer = box.querySelector("p");
  var message = box.querySelector("[data-message]");
  var every = Math.max(5, parseInt(box.getAttribute("data-seconds"), 10) || 30) * 1000;
  var shown = "";

  function show(body) {
    if (!body || typeof body.total !== "number") { return; }
    if (body.total > 0 && body.offer !== shown) {
      shown = body.offer;
      message.textContent = body.offer;
      offer.hidden = false;
    }
  }

  function poll() {
    if (document.hidden) { window.setTimeout(poll, every); return; }  // a background tab asks when seen again
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) { show(body); window.setTimeout(poll, every); })
      .catch(function () { window.setTimeout(poll, every * 4); });  // signed out or offline: ask less often
  }

  window.setTimeout(poll, every);
}());
