/* The assistant, live: a message posted from the conversation form is sent with fetch to the same URL (the page's
   cookie and CSRF token; the view answers JSON to Accept: application/json, the shape of the JSON API) and the
   reply is added to the conversation without reloading. The first message, a hand-off or any error loads the page
   itself, which works without this script. Our own file under the CSP; text is set with textContent only. */
(function () {
  "use strict";
  var form = document.querySelector("[data-assistant-form]");
  var conversation = document.querySelector("[data-conversation]");
  if (!form || !conversation || !window.fetch || !window.FormData) { return; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function line(author, label, text) {
    var article = element("article", "message " + (author === "person" ? "from-you" : "from-team"));
    article.appendChild(element("p", "meta", label));
    article.appendChild(element("p", "", text));
    return article;
  }

  function reply(data, label) {
    var article = line("assistant", label, data.text);
    if (data.articles && data.articles.length) {
      var list = element("ul", "assistant-articles");
      data.articles.forEach(function (item) {
        var li = element("li"), link = element("a", "", item.title);
        link.href = item.url;
        li.appendChild(link);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(element("span", "hint", item.summary));
        list.appendChild(li);
      });
      article.appendChild(list);
    }
    if (data.actions && data.actions.length) {
      var actions = element("p", "actions");
      data.actions.forEach(function (action, index) {
        var button = element("a", index ? "button secondary" : "button", action.label);
        button.href = action.url;
        button.setAttribute("data-action", action.name);
        actions.appendChild(button);
      });
      article.appendChild(actions);
    }
    return article;
  }

  form.addEventListener("submit", function (event) {
    var box = form.querySelector("textarea[name=message]");
    if (!box || !box.value.trim() || !form.action.match(/\/help\/assistant\/[^/]+$/)) { return; }
    event.preventDefault();
    var text = box.value, button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.step || data.ticket_id) { window.location.assign(data.page); return; }
        conversation.appendChild(line("person", conversation.getAttribute("data-you"), text));
        var added = reply(data.reply, conversation.getAttribute("data-assistant"));
        conversation.appendChild(added);
        box.value = "";
        if (button) { button.disabled = false; }
        added.scrollIntoView({block: "nearest"});
        box.focus();
      })
      .catch(function () { form.submit(); });
  });
}());
