/* A topic page open in the browser: when a reply arrives in this topic (the notification
   the member receives as a follower, pushed by live.js over the websocket), say so in the
   page's live region with a link to it. Without JavaScript, the reply is there on reload,
   marked "Nouveau". */
(function () {
  "use strict";
  var box = document.querySelector("[data-topic-live]");
  if (!box) return;
  var topic = box.getAttribute("data-topic-live");
  document.addEventListener("affinites:live", function (event) {
    var data = event.detail || {};
    if (data.type !== "notification" || typeof data.url !== "string") return;
    var path = data.url.split("#")[0];
    if (path !== topic) return;
    var line = document.createElement("span");
    line.className = "topic-live-item";
    line.appendChild(document.createTextNode(box.getAttribute("data-live-text") + " " + (data.title || "") + " "));
    var link = document.createElement("a");
    var hash = data.url.indexOf("#") === -1 ? "" : data.url.slice(data.url.indexOf("#"));
    // a new address (not only a new #fragment), so the browser loads the page again
    link.href = topic + "?nouveau=1" + hash;
    link.textContent = box.getAttribute("data-live-link");
    line.appendChild(link);
    box.replaceChildren(line);
  });
})();
