/* Wagtail admin editor: the rich-text editor (Draftail) is a role="textbox" without a name,
   so screen readers announce an unnamed text box. Name each one after its field's label
   (<label id="id_<field>-label">), as soon as the editor appears. */
(function () {
  "use strict";
  function nameEditors(root) {
    root.querySelectorAll("[data-field-wrapper] [role=textbox][contenteditable]").forEach(function (box) {
      if (box.getAttribute("aria-label") || box.getAttribute("aria-labelledby")) return;
      var wrapper = box.closest("[data-field-wrapper]");
      var input = wrapper && wrapper.querySelector("input[type=hidden][id^=id_]");
      var label = input && document.getElementById(input.id + "-label");
      if (label) box.setAttribute("aria-labelledby", label.id);
    });
  }
  function start() {
    nameEditors(document);
    new MutationObserver(function () { nameEditors(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
