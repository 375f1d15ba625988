/* Passkeys: navigator.credentials with the WebAuthn JSON form, for a form (or a part of one) marked
   data-passkey="create" or "get". Our own script under the CSP (no inline script). A button of class "passkey"
   in that part starts the ceremony: options come from its data-passkey-options URL (POST, with the form's CSRF
   token), the authenticator's answer goes into the form's hidden fields "flow" and "credential", and the form is
   sent. data-passkey-conditional also offers the passkeys in the browser's autofill (conditional UI) where the
   browser has it. Without WebAuthn, passkey parts (data-passkey-only) stay hidden. */
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, {id: toBytes(item.id)}); });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) { return PublicKeyCredential.parseCreationOptionsFromJSON(json); }
    return Object.assign({}, json, {challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, {id: toBytes(json.user.id)}),
      excludeCredentials: descriptors(json.excludeCredentials)});
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) { return PublicKeyCredential.parseRequestOptionsFromJSON(json); }
    return Object.assign({}, json, {challenge: toBytes(json.challenge),
      allowCredentials: descriptors(json.allowCredentials)});
  }

  function answer(credential) {
    if (typeof credential.toJSON === "function") {
      try { return credential.toJSON(); } catch (ignored) { /* older browsers: encoded below */ }
    }
    var response = credential.response;
    var json = {id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {clientDataJSON: toText(response.clientDataJSON)}};
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return json;
  }

  function field(form, name) {
    return form.querySelector("input[name='" + name + "']");
  }

  function options(part, form) {
    var csrf = field(form, "csrf_token");
    return fetch(part.getAttribute("data-passkey-options"), {
      method: "POST", credentials: "same-origin", body: "{}",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRF-Token": csrf ? csrf.value : ""}
    }).then(function (response) {
      if (!response.ok) { throw new Error("options: " + response.status); }
      return response.json();
    });
  }

  function ceremony(part, form, mediation, signal) {
    return options(part, form).then(function (got) {
      if (part.getAttribute("data-passkey") === "create") {
        return navigator.credentials.create({publicKey: creationOptions(got.options)}).then(function (c) { return [got, c]; });
      }
      var request = {publicKey: requestOptions(got.options)};
      if (mediation) { request.mediation = mediation; request.signal = signal; }
      return navigator.credentials.get(request).then(function (c) { return [got, c]; });
    }).then(function (pair) {
      if (!pair[1]) { throw new Error("no passkey"); }
      field(form, "flow").value = pair[0].flow;
      field(form, "credential").value = JSON.stringify(answer(pair[1]));
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  function failed(part) {
    var box = part.querySelector("[data-passkey-error]");
    if (box) { box.textContent = box.getAttribute("data-message"); box.hidden = false; }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey-only]"), function (part) {
    part.hidden = false;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey-missing]"), function (part) {
    part.hidden = true;
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-passkey]"), function (part) {
    var form = part.tagName === "FORM" ? part : part.closest("form");
    var conditional = null;
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.classList.contains("passkey") || !part.contains(button)) { return; }
      event.preventDefault();
      if (conditional) { conditional.abort(); conditional = null; }
      ceremony(part, form).catch(function () { failed(part); });
    });
    if (part.hasAttribute("data-passkey-conditional") && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (!available) { return; }
        conditional = new AbortController();
        ceremony(part, form, "conditional", conditional.signal).catch(function () { /* dismissed or aborted */ });
      });
    }
  });
}());
