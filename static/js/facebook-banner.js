/* Wagtail admin: while the Facebook connection is broken, fetch the banner from its admin
 * URL (the script tag's data-banner-url) and show it at the top of the page. */
(function () {
  "use strict";
  var url = document.currentScript && document.currentScript.dataset.bannerUrl;
  if (!url) return;
  function show() {
    fetch(url, { credentials: "same-origin", redirect: "manual" })
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(function (html) {
        var main = document.querySelector("main");
        if (html && main) main.insertAdjacentHTML("afterbegin", html);
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
