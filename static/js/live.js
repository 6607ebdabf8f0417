/* Live updates for logged-in members over the websocket at /ws/fil/ (Channels).
   Updates the notification bell; other scripts can listen for "affinites:live" events. */
(function () {
  "use strict";
  if (!("WebSocket" in window)) return;
  var bell = document.querySelector("[data-live-bell] .bell-count");
  var delay = 1000, socket;

  function setUnread(n) {
    if (!bell) return;
    bell.setAttribute("data-unread", String(n));
    bell.firstChild.nodeValue = String(n);
    bell.hidden = !n;
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
