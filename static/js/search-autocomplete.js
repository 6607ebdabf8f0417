/* Header search box: WAI-ARIA 1.2 combobox (list autocomplete, no automatic selection) over
   GET /api/recherche/suggestions/?q=. Up/Down move through the suggestions (aria-activedescendant),
   Enter opens the highlighted suggestion (or submits the search when none is highlighted),
   Escape closes the list (a second Escape clears the box), Tab closes it. A polite live region
   announces how many suggestions there are. Without JavaScript the form simply submits. */
(function () {
  "use strict";
  var lang = (document.documentElement.lang || "fr").slice(0, 2);
  var T = {
    fr: {
      none: "Aucune suggestion",
      count: function (n) { return n + (n > 1 ? " suggestions" : " suggestion") + ", flèches haut et bas pour parcourir, Entrée pour ouvrir"; }
    },
    en: {
      none: "No suggestion",
      count: function (n) { return n + (n > 1 ? " suggestions" : " suggestion") + ", use up and down arrows to browse, Enter to open"; }
    }
  }[lang === "en" ? "en" : "fr"];

  function setup(form) {
    var input = form.querySelector("[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-status]");
    var endpoint = form.getAttribute("data-endpoint");
    var items = [], active = -1, timer = null, seq = 0, lastQuery = "";
    if (!input || !list || !endpoint) return;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function open(i) {
      var s = items[i];
      if (!s) return;
      close();
      window.location.assign(s.url);
    }
    function render(suggestions) {
      list.innerHTML = "";
      items = suggestions;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!suggestions.length) {
        close();
        status.textContent = T.none;
        return;
      }
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "combobox-option combobox-" + s.kind;
        var kind = document.createElement("span");
        kind.className = "option-kind";
        kind.textContent = s.kind_label + " : ";
        li.appendChild(kind);
        li.appendChild(document.createTextNode(s.label));
        if (s.detail) {
          var meta = document.createElement("span");
          meta.className = "option-meta";
          meta.textContent = s.detail;
          li.appendChild(meta);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); open(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = T.count(suggestions.length);
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); status.textContent = ""; lastQuery = ""; return; }
      if (q === lastQuery && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); return; }
      lastQuery = q;
      var mine = ++seq;
      fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (mine === seq) render(data && Array.isArray(data.suggestions) ? data.suggestions : []);
        })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (e) {
      var isOpen = !list.hidden && items.length > 0;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!isOpen) { fetchSuggestions(); return; }
        highlight((active + 1) % items.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (isOpen) highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (e.key === "Enter") {
        if (isOpen && active >= 0) { e.preventDefault(); open(active); }
      } else if (e.key === "Escape") {
        if (isOpen) { e.preventDefault(); close(); } else { input.value = ""; }
      } else if (e.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("[data-search-autocomplete]").forEach(setup);
})();
