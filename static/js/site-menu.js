/* The header menu on small screens: a disclosure button (aria-expanded, aria-controls) that
   shows and hides the navigation. Without JavaScript the button stays hidden and the menu is
   always shown; on wide screens the stylesheet hides the button and always shows the menu. */
(function () {
  "use strict";
  var button = document.querySelector("[data-site-menu-toggle]");
  if (!button) return;
  var menu = document.getElementById(button.getAttribute("aria-controls"));
  var header = button.closest(".site-header");
  if (!menu || !header) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  header.classList.add("has-menu-toggle");
  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    if (!menu.contains(document.activeElement)) return;
    setOpen(false);
    button.focus();
  });
})();
