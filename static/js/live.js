/* Live updates for logged-in members over the websocket at /ws/fil/ (Channels).
   Updates the notification bell; other scripts can listen for "affinites:live" events. */
(function () {
  "use strict";
  if (!("WebSocket" in window)) return;
  // the bell, and the count on the menu button that folds it away on small screens
  var counts = document.querySelectorAll("[data-live-bell] .bell-count, [data-live-count]");
  var delay = 1000, socket;

  function setUnread(n) {
    Array.prototype.forEach.call(counts, function (count) {
      count.setAttribute("data-unread", String(n));
      count.firstChild.nodeValue = String(n);
      count.hidden = !n;
    });
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/fil/");
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data.type === "notification" && typeof data.unread === "number") setUnread(data.unread);
      document.dispatchEvent(new CustomEvent("affinites:live", { detail: data }));
    };
    socket.onclose = function (e) {
      if (e.code === 4401) return; // not logged in any more
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
