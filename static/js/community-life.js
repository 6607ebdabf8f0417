/* Community life: "Share" links copy the post's address (or open the system share sheet).
   Without JavaScript they are plain links to the post. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-share]");
    if (!link) return;
    var url = new URL(link.getAttribute("href"), window.location.href).href;
    if (navigator.share) {
      event.preventDefault();
      navigator.share({ title: link.dataset.shareTitle || document.title, url: url }).catch(function () {});
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      event.preventDefault();
      navigator.clipboard.writeText(url).then(function () {
        var status = document.createElement("span");
        status.className = "share-status";
        status.setAttribute("role", "status");
        status.textContent = link.dataset.copied || "OK";
        link.after(status);
        setTimeout(function () { status.remove(); }, 3000);
      });
    }
  });
})();
