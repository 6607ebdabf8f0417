/* Commune autocomplete: WAI-ARIA 1.2 combobox (list autocomplete) over GET /api/communes/?q=.
   Progressive enhancement: without JavaScript the field is a plain text input resolved server-side. */
(function () {
  "use strict";
  var lang = (document.documentElement.lang || "fr").slice(0, 2);
  var T = {
    fr: { none: "Aucune commune trouvée", count: function (n) { return n + (n > 1 ? " communes proposées" : " commune proposée") + ", flèches haut et bas pour parcourir"; }, nearest: "médiathèque la plus proche" },
    en: { none: "No commune found", count: function (n) { return n + (n > 1 ? " communes suggested" : " commune suggested") + ", use up and down arrows to browse"; }, nearest: "nearest médiathèque" }
  }[lang === "en" ? "en" : "fr"];

  function setup(root) {
    var input = root.querySelector("[role=combobox]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-status]");
    var insee = root.querySelector("input[type=hidden]");
    var endpoint = root.getAttribute("data-endpoint");
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
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
      } else { input.removeAttribute("aria-activedescendant"); }
    }
    function choose(i) {
      var c = items[i]; if (!c) return;
      input.value = c.name + " (" + c.postcodes[0] + ")";
      if (insee) { insee.value = c.insee; insee.disabled = false; }
      close();
    }
    function render(results) {
      list.innerHTML = ""; items = results; active = -1;
      if (!results.length) { close(); status.textContent = T.none; return; }
      results.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = c.name + " (" + c.postcodes.slice(0, 3).join(", ") + (c.postcodes.length > 3 ? "…" : "") + ")";
        if (c.nearest_branch) {
          var meta = document.createElement("span");
          meta.className = "option-meta";
          meta.textContent = T.nearest + " : " + c.nearest_branch.name + " — " + String(c.nearest_branch.distance_km).replace(".", lang === "fr" ? "," : ".") + " km";
          li.appendChild(meta);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = T.count(results.length);
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (insee) {
        insee.value = "";
        // In a GET form the hidden field is only sent once a commune was picked (clean URLs).
        if (insee.hasAttribute("data-optional")) insee.disabled = true;
      }
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) { if (mine === seq) render(Array.isArray(data) ? data : []); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 150); });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && items.length;
      if (e.key === "ArrowDown") { e.preventDefault(); if (!open) { fetchSuggestions(); return; } highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); if (open) highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter") { if (open && active >= 0) { e.preventDefault(); choose(active); } }
      else if (e.key === "Escape") { if (open) { e.preventDefault(); close(); } else { input.value = ""; } }
      else if (e.key === "Tab") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
  document.querySelectorAll("[data-commune-autocomplete]").forEach(setup);
})();
