/* Interest chooser of the admin (cms.widgets.InterestChooser): filter the grouped checkboxes
   as you type (a theme's name shows the whole theme), and say how many are ticked.
   Without JavaScript every checkbox is simply there. */
(function () {
  "use strict";
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function setup(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var filter = root.querySelector("[data-filter]");
    var count = root.querySelector("[data-count]");
    var groups = Array.prototype.slice.call(root.querySelectorAll("[data-group]"));
    root.querySelector("[data-filter-row]").hidden = false;

    function chosen() {
      return Array.prototype.slice.call(root.querySelectorAll("input[type=checkbox]:checked")).map(function (box) {
        var group = box.closest("[data-group]").querySelector("legend");
        var label = box.parentNode.querySelector("[data-label]").textContent.trim();
        return group && label.indexOf(group.textContent.trim()) !== 0 ? group.textContent.trim() + " › " + label : label;
      });
    }

    function describe(visible) {
      var names = chosen();
      var text;
      if (!names.length) text = count.dataset.none;
      else if (names.length === 1) text = count.dataset.one + " " + names[0] + ".";
      else text = count.dataset.many.replace("%(count)s", names.length) + " " + names.join(", ") + ".";
      if (visible === 0) text = count.dataset.noMatch + " " + text;
      count.textContent = text;
    }

    function apply() {
      var query = fold(filter.value);
      var visible = 0;
      groups.forEach(function (group) {
        var legend = group.querySelector("legend");
        var themeMatches = !query || (legend && fold(legend.textContent).indexOf(query) !== -1);
        var shown = 0;
        group.querySelectorAll("[data-option]").forEach(function (option) {
          var match = themeMatches || fold(option.textContent).indexOf(query) !== -1;
          option.hidden = !match;
          if (match) shown += 1;
        });
        group.hidden = shown === 0;
        visible += shown;
      });
      describe(visible);
    }

    filter.addEventListener("input", apply);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // never submits the page form
      if (event.key === "Escape" && filter.value) { event.preventDefault(); filter.value = ""; apply(); }
    });
    root.addEventListener("change", function () { describe(null); });
    describe(null);
  }

  function setupAll() { document.querySelectorAll("[data-interest-chooser]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupAll);
  else setupAll();
})();
