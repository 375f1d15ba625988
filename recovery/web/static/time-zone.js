// Reports the browser's IANA time zone once (templates/_time_zone.html): the page says which zone the server
// already knows; when this browser's differs, the hidden form is posted in the background and the next page
// shows times in it. Nothing happens without Intl support or when the zones agree.
(function () {
  "use strict";
  var form = document.getElementById("time-zone-report");
  if (!form || !window.fetch || !window.Intl) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || zone === form.getAttribute("data-known")) { return; }
  form.elements.time_zone.value = zone;
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
    .then(function (response) { if (response.ok) { form.setAttribute("data-known", zone); } })
    .catch(function () {});
}());
