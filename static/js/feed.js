/* The member's feed (/fil/): infinite scroll, "not interested" without leaving the page, and
   the "3 nouveautés" notice pushed over the websocket (live.js dispatches "affinites:live").
   Without JavaScript the "More entries" link and the forms work as plain links and posts. */
(function () {
  "use strict";
  var root = document.querySelector("[data-feed]");
  if (!root) return;

  // --- new entries notice
  var box = root.querySelector("[data-feed-news-box]");
  var text = root.querySelector("[data-feed-news-text]");
  var fresh = 0;
  document.addEventListener("affinites:live", function (event) {
    var data = event.detail || {};
    if (data.type !== "feed.new" || !box) return;
    fresh += typeof data.count === "number" ? data.count : 1;
    text.textContent = fresh === 1 ? text.dataset.one : fresh + " " + text.dataset.many;
    box.hidden = false;
  });

  // --- infinite scroll: fetch the next page's fragment and append it
  var list = root.querySelector("[data-feed-list]");
  var loading = false;
  function nextLink() { return list && list.querySelector("[data-feed-next]"); }
  function loadMore() {
    var link = nextLink();
    if (!link || loading) return;
    loading = true;
    var url = new URL(link.href, location.href);
    url.searchParams.set("fragment", "1");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var more = link.closest("[data-feed-more]");
        var items = holder.querySelector("[data-feed-entries]");
        var current = list.querySelector("[data-feed-entries]");
        if (items && current) {
          while (items.firstElementChild) current.appendChild(items.firstElementChild);
        }
        if (more) more.remove();
        var newMore = holder.querySelector("[data-feed-more]");
        if (newMore) list.appendChild(newMore);
        loading = false;
        observe();
      })
      .catch(function () { loading = false; });
  }
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    if (entries.some(function (e) { return e.isIntersecting; })) loadMore();
  }, { rootMargin: "400px" }) : null;
  function observe() {
    var link = nextLink();
    if (observer && link) { observer.disconnect(); observer.observe(link); }
  }
  observe();

  // --- "not interested": post in the background, put the confirmation and its "Undo" in
  // place of the entry; "Undo" puts the entry back.
  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok && response.status !== 404) throw new Error(response.status);
      return response.json();
    });
  }
  var hidden = new WeakMap();
  root.addEventListener("submit", function (event) {
    var dismiss = event.target.closest("[data-feed-dismiss]");
    var undo = event.target.closest("[data-feed-undo-form]");
    if (dismiss) {
      event.preventDefault();
      post(dismiss).then(function (data) {
        var entry = dismiss.closest("[data-feed-entry]");
        if (!entry) return;
        if (!data.confirmation) { entry.remove(); return; }
        var holder = document.createElement("li");
        holder.className = "card feed-card feed-dismissed";
        holder.innerHTML = data.confirmation;
        hidden.set(holder, entry);
        entry.replaceWith(holder);
        var button = holder.querySelector("button");
        if (button) button.focus();
      }).catch(function () { dismiss.submit(); });
    } else if (undo) {
      var holder = undo.closest(".feed-dismissed");
      if (!holder || !hidden.has(holder)) return;  // the page-level notice: a plain post
      event.preventDefault();
      post(undo).then(function () {
        var entry = hidden.get(holder);
        holder.replaceWith(entry);
        var link = entry.querySelector("a");
        if (link) link.focus();
      }).catch(function () { undo.submit(); });
    }
  });
})();
