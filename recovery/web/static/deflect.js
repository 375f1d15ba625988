/* Deflection as the person types (templates/tickets/_deflect.html): the help centre's search
   (GET /api/v1/help/search?q=&lang=) over the form's message, debounced, shown beside the form, each article
   with "This solved it" (a copy of the template's form, which carries the CSRF token). Once articles were shown,
   the form's button sends at once instead of asking for the preview step. Without this script the preview step
   shows the same articles. Our own file under the CSP; text is set with textContent only. */
(function () {
  "use strict";
  var aside = document.querySelector("[data-deflect]");
  if (!aside || !window.fetch) { return; }
  var container = aside.parentNode;
  var box = container && container.querySelector("textarea[name=message]");
  var list = aside.querySelector("[data-deflect-list]");
  var template = aside.querySelector("template[data-deflect-item]");
  var url = aside.getAttribute("data-search"), lang = aside.getAttribute("data-lang");
  if (!box || !list || !template || !url) { return; }
  var timer = null, asked = "";

  function show(items) {
    list.textContent = "";
    items.slice(0, 3).forEach(function (item) {
      var li = document.createElement("li"), link = document.createElement("a"), summary = document.createElement("p");
      link.href = item.url;
      link.textContent = item.title;
      summary.className = "hint";
      summary.textContent = item.summary;
      var solved = template.content.firstElementChild.cloneNode(true);
      solved.querySelector("input[name=slug]").value = item.slug;
      li.appendChild(link);
      li.appendChild(summary);
      li.appendChild(solved);
      list.appendChild(li);
    });
    aside.hidden = items.length === 0;
    var step = container.querySelector("input[name=step][value=preview]");
    if (step && items.length) { step.removeAttribute("name"); }
  }

  function search() {
    var text = box.value.trim();
    if (text.length < 4 || text === asked) { return; }
    asked = text;
    fetch(url + "?q=" + encodeURIComponent(text.slice(0, 500)) + "&lang=" + encodeURIComponent(lang),
          {headers: {"Accept": "application/json"}, credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) { if (box.value.trim() === text) { show(data.items || []); } })
      .catch(function () {});
  }

  box.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 350);
  });
}());
