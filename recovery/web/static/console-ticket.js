// The console's ticket page (templates/tickets/ticket.html), a script of our own under the CSP: canned responses
// inserted where the cursor is, drafts of the reply and note boxes kept as they are typed, a warning when another
// agent has the ticket open or wrote on it, and keyboard shortcuts (r, n, j, c, ?). Every form works without it:
// "Insert" then posts the reply box and the page comes back with the text and the canned response.
(function () {
  "use strict";
  var root = document.getElementById("ticket-console");
  if (!root || !window.fetch || !window.FormData) { return; }
  var token = document.querySelector('#ticket-console input[name="csrf_token"]');
  var csrf = token ? token.value : "";
  var sending = false;

  function post(url, fields, keepalive) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: !!keepalive });
  }

  // --- drafts: saved a moment after typing stops, and when the page is left -----------------------------------
  var boxes = Array.prototype.slice.call(root.querySelectorAll("textarea[data-draft]"));
  var timers = {};
  var saved = {};
  function save(box, keepalive) {
    var kind = box.getAttribute("data-draft");
    clearTimeout(timers[kind]);
    if (sending || saved[kind] === box.value) { return; }
    saved[kind] = box.value;
    post(root.getAttribute("data-draft"), { kind: kind, body: box.value }, keepalive).then(function (response) {
      var state = document.getElementById(kind + "-draft-state");
      if (state && response.ok) { state.textContent = state.getAttribute("data-saved") || state.textContent; }
    }).catch(function () { saved[kind] = undefined; });
  }
  boxes.forEach(function (box) {
    saved[box.getAttribute("data-draft")] = box.value;
    box.addEventListener("input", function () {
      var kind = box.getAttribute("data-draft");
      clearTimeout(timers[kind]);
      timers[kind] = setTimeout(function () { save(box, false); }, 700);
    });
    box.form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.id === "macro-insert") { return; }
      sending = true;
      boxes.forEach(function (other) { clearTimeout(timers[other.getAttribute("data-draft")]); });
    });
  });
  window.addEventListener("pagehide", function () { boxes.forEach(function (box) { save(box, true); }); });

  // --- canned responses, inserted at the cursor ----------------------------------------------------------------
  var insert = document.getElementById("macro-insert");
  var reply = document.getElementById("reply-body");
  var texts = document.getElementById("macro-texts");
  var touched = false;
  if (reply) { reply.addEventListener("focus", function () { touched = true; }); }
  if (insert && reply && texts && texts.content) {
    insert.addEventListener("click", function (event) {
      var chosen = document.getElementById("macro").value;
      var source = texts.content.querySelector('[data-macro="' + chosen + '"]');
      if (!source) { return; }
      event.preventDefault();
      var text = source.textContent;
      var value = reply.value;
      var start = touched ? reply.selectionStart : value.length;
      var end = touched ? reply.selectionEnd : value.length;
      var before = value.slice(0, start);
      if (end === value.length && before.trim() && !/\n\s*$/.test(before)) { text = "\n\n" + text; }
      reply.value = before + text + value.slice(end);
      var caret = before.length + text.length;
      reply.focus();
      reply.setSelectionRange(caret, caret);
      reply.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // --- collision detection: who else is here, what was written since this page loaded -------------------------
  var warning = document.getElementById("collision");
  var viewing = document.getElementById("collision-viewing");
  var written = document.getElementById("collision-written");
  var pinging = false;
  function ping() {
    if (pinging || !warning) { return; }
    pinging = true;
    post(root.getAttribute("data-presence"), { version: root.getAttribute("data-version") })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        pinging = false;
        if (!answer) { return; }
        viewing.textContent = answer.viewing;
        if (answer.written || !written.textContent) { written.textContent = answer.written; }
        warning.hidden = !(viewing.textContent || written.textContent);
      })
      .catch(function () { pinging = false; });
  }
  var seconds = parseInt(root.getAttribute("data-ping"), 10) || 30;
  setInterval(function () { if (!document.hidden) { ping(); } }, seconds * 1000);
  window.addEventListener("focus", ping);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { ping(); } });
  boxes.forEach(function (box) { box.addEventListener("focus", ping); });

  // --- keyboard shortcuts, never while typing in a field -------------------------------------------------------
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var field = { r: "reply-body", n: "note-body" }[event.key];
    if (field && document.getElementById(field)) {
      event.preventDefault();
      document.getElementById(field).focus();
    } else if (event.key === "j") {
      event.preventDefault();
      window.location.assign(root.getAttribute("data-next"));
    } else if (event.key === "c" && document.getElementById("claim-form")) {
      event.preventDefault();
      document.getElementById("claim-form").submit();
    } else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      event.preventDefault();
      help.open = true;
      help.querySelector("summary").focus();
    }
  });
}());
