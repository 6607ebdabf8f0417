/*
 * Affinités — the interest questionnaire for partner sites.
 *
 *   <script src="https://<our site>/widget.js" data-partner="<slug>" async></script>
 *
 * Plain JavaScript, no dependency. Talks only to the origin this script was loaded from,
 * without cookies. Everything it draws lives in a Shadow DOM (styles isolated, constructed
 * style sheet: no inline style for the host page's CSP) and is position: fixed (no layout
 * shift on the host page). The dialog follows the WAI-ARIA dialog pattern: labelled, modal,
 * focus kept inside, Escape closes, focus returns to where it was.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-partner][src*='widget.js']");
  if (!script || script.getAttribute("data-affinites-loaded")) return;
  script.setAttribute("data-affinites-loaded", "1");

  var T = /*FALLBACK*/{};
  var slug = script.getAttribute("data-partner") || "";
  var origin = new URL(script.src, location.href).origin;
  var api = origin + "/widget/api/" + encodeURIComponent(slug) + "/";
  var cfg = null, refusal = "", tokenAt = 0, opened = false, touched = false, lastFocus = null;
  var loading = null;  // the configuration's request while it is under way
  var state = { interests: [], insee: "", commune: "" };
  var root, launcher, backdrop, dialog, body, uid = 0;

  // --- Helpers ----------------------------------------------------------------------------
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (kid) {
      if (kid) node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    });
    return node;
  }
  function id(prefix) { uid += 1; return "aff-" + prefix + "-" + uid; }
  function fmt(text, params) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (m, k) { return params[k]; });
  }
  function request(path, payload) {
    var init = { credentials: "omit", mode: "cors", headers: { Accept: "application/json" } };
    if (payload) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(api + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        return { ok: r.ok, status: r.status, body: b };
      });
    });
  }
  function colour(value, fallback) { return /^#[0-9a-fA-F]{6}$/.test(value || "") ? value : fallback; }

  // --- Styles -----------------------------------------------------------------------------
  function css(p) {
    return [
      ":host{all:initial;position:fixed;top:0;left:0;width:0;height:0;z-index:2147483000}",
      "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
      "[hidden]{display:none!important}",
      "h3[tabindex='-1']:focus,p[tabindex='-1']:focus{outline:none;box-shadow:none}",
      ".age{margin:.8rem 0 .2rem}",
      ".launch{position:fixed;right:1rem;bottom:1rem;z-index:1;background:" + p.primary + ";color:" + p.on_primary + ";border:2px solid " + p.on_primary + ";border-radius:2rem;padding:.7rem 1.2rem;font-size:1rem;font-weight:600;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.35)}",
      "button:focus-visible,a:focus-visible,input:focus-visible,[tabindex]:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 6px #fff}",
      ".back{position:fixed;inset:0;background:rgba(0,0,0,.55);z-index:2}",
      ".dlg{position:fixed;z-index:3;top:50%;left:50%;transform:translate(-50%,-50%);width:min(36rem,calc(100vw - 1.5rem));max-height:calc(100vh - 1.5rem);overflow:auto;background:#fff;color:#1f2937;border-radius:.8rem;padding:1.25rem 1.5rem;font-size:1rem;line-height:1.45;box-shadow:0 10px 40px rgba(0,0,0,.4)}",
      "h2{font-size:1.3rem;margin:0 2.5rem .75rem 0;color:#111827}",
      "h3{font-size:1.1rem;margin:0 0 .6rem;color:" + p.heading + "}",
      "h4{font-size:1rem;margin:.8rem 0 .3rem}",
      ".x{position:absolute;top:.6rem;right:.6rem;width:2.4rem;height:2.4rem;border:0;background:transparent;font-size:1.6rem;line-height:1;cursor:pointer;color:#1f2937;border-radius:.4rem}",
      "fieldset{border:0;padding:0;margin:0 0 .8rem;min-width:0}",
      "legend{font-weight:600;padding:0;margin-bottom:.3rem}",
      ".grp legend{font-weight:600;font-size:.95rem;color:#374151}",
      ".grp{display:flex;flex-wrap:wrap;gap:.3rem .9rem}",
      "label{display:flex;gap:.45rem;align-items:flex-start;padding:.15rem 0;cursor:pointer}",
      "input[type=checkbox]{width:1.15rem;height:1.15rem;margin:.15rem 0 0;flex:none;accent-color:" + p.primary + "}",
      "input[type=text],input[type=email]{width:100%;padding:.55rem;border:1px solid #4b5563;border-radius:.4rem;font-size:1rem;color:#111827;background:#fff}",
      ".field{margin:.6rem 0}",
      ".field>label{display:block;font-weight:600}",
      ".hint{color:#4b5563;font-size:.9rem;margin:.1rem 0 .4rem 1.6rem}",
      ".note{color:#374151;font-size:.95rem;margin:.2rem 0 .6rem}",
      ".err{color:#b91c1c;font-weight:600;margin:.4rem 0}",
      ".err:empty{display:none}",
      ".row{display:flex;gap:.75rem;margin-top:1rem;flex-wrap:wrap}",
      ".row button{flex:1 1 0;min-width:11rem}",
      ".btn{padding:.7rem 1rem;font-size:1rem;font-weight:600;border-radius:.5rem;cursor:pointer;background:" + p.primary + ";color:" + p.on_primary + ";border:2px solid " + p.primary + "}",
      ".btn2{padding:.5rem .9rem;font-size:.95rem;border-radius:.5rem;cursor:pointer;background:#fff;color:#1f2937;border:1px solid #4b5563}",
      ".btn:disabled{opacity:.6;cursor:wait}",
      ".lb{list-style:none;margin:.2rem 0 0;padding:0;border:1px solid #4b5563;border-radius:.4rem;max-height:12rem;overflow:auto;background:#fff}",
      ".lb li{padding:.45rem .6rem;cursor:pointer}",
      ".lb li[aria-selected=true]{background:" + p.primary + ";color:" + p.on_primary + "}",
      ".res{background:" + p.secondary + ";color:" + p.on_secondary + ";border-radius:.5rem;padding:.75rem 1rem}",
      ".res p{margin:.2rem 0}",
      ".sugg{padding-left:1.2rem;margin:.3rem 0}",
      ".sugg li{margin:.3rem 0}",
      ".kind{font-size:.85rem;font-weight:600;text-transform:uppercase;letter-spacing:.03em;color:#374151}",
      "a{color:#1d4ed8}",
      ".cta{display:flex;flex-direction:column;gap:.5rem;margin-top:.8rem}",
      ".cta a{display:block;text-align:center;text-decoration:none;padding:.6rem 1rem;border-radius:.5rem;font-weight:600;background:" + p.primary + ";color:" + p.on_primary + "}",
      ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
      ".hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}"
    ].join("\n");
  }
  function applyStyles(p) {
    var text = css(p);
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", { text: text }));
    }
  }
  function palette(partner) {
    partner = partner || {};
    return {
      primary: colour(partner.primary, "#1d4ed8"),
      on_primary: colour(partner.on_primary, "#ffffff"),
      secondary: colour(partner.secondary, "#f1f5f9"),
      on_secondary: colour(partner.on_secondary, "#000000"),
      heading: "#111827"
    };
  }

  // --- Dialog -----------------------------------------------------------------------------
  function focusables() {
    return Array.prototype.filter.call(
      dialog.querySelectorAll("button,a[href],input,[tabindex]:not([tabindex='-1'])"),
      function (n) { return !n.disabled && n.getAttribute("tabindex") !== "-1" && n.getClientRects().length; }
    );
  }
  function onKey(event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key !== "Tab") return;
    var items = focusables();
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0], last = items[items.length - 1], current = root.activeElement;
    if (event.shiftKey && (current === first || items.indexOf(current) < 0)) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && (current === last || items.indexOf(current) < 0)) {
      event.preventDefault(); first.focus();
    }
  }
  function build() {
    var titleId = id("title");
    backdrop = el("div", { "class": "back", hidden: true });
    body = el("div");
    dialog = el("div", {
      "class": "dlg", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId, hidden: true, onkeydown: onKey
    }, [
      el("h2", { id: titleId, text: T.title }),
      el("button", { type: "button", "class": "x", "aria-label": T.close, text: "×", onclick: close }),
      body
    ]);
    root.appendChild(backdrop);
    root.appendChild(dialog);
  }
  function open() {
    if (opened) return;
    touched = true;
    opened = true;
    lastFocus = root.activeElement || document.activeElement;
    if (!dialog) build();
    backdrop.hidden = false;
    dialog.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!cfg && loading) {  // opened before the configuration arrived: wait for it
      showWaiting();
      loading.then(function () {
        if (!opened) return;
        if (cfg) step1(); else showProblem(refusal || T.unavailable);
      });
      return;
    }
    if (!cfg) { showProblem(refusal || T.unavailable); return; }
    if (Date.now() - tokenAt > 20 * 60 * 1000) {  // tokens last 30 min: get a fresh one
      load().then(function () { step1(); });
    } else {
      step1();
    }
  }
  function close() {
    if (!opened) return;
    opened = false;
    backdrop.hidden = true;
    dialog.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    var target = lastFocus && lastFocus.isConnected && lastFocus !== document.body ? lastFocus : launcher;
    if (target === host()) target = launcher;
    target.focus();
  }
  function host() { return root.host; }
  function showStep(n, title, nodes) {
    var hId = id("step");
    body.textContent = "";
    var heading = el("h3", { id: hId, tabindex: "-1", text: fmt(cfg ? cfg.texts.step : "", { n: n }) + " · " + title });
    body.appendChild(heading);
    nodes.forEach(function (node) { if (node) body.appendChild(node); });
    heading.focus();
  }
  function showWaiting() {
    body.textContent = "";
    body.appendChild(el("p", { role: "status", text: T.loading }));
  }
  function showProblem(message) {
    body.textContent = "";
    var p = el("p", { role: "alert", "class": "err", tabindex: "-1", text: message });
    body.appendChild(p);
    body.appendChild(el("div", { "class": "row" }, [el("button", { type: "button", "class": "btn", text: T.close, onclick: close })]));
    p.focus();
  }
  function errorBox() { return el("p", { "class": "err", id: id("err"), "aria-live": "assertive" }); }
  function invalid(field, box, message) {
    box.textContent = message;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + box.id).trim());
      field.focus();
    }
  }

  // Step 1: interests, grouped by taxonomy, at most cfg.max_interests.
  function step1() {
    var t = cfg.texts, max = cfg.max_interests, live = el("p", { "class": "sr", "aria-live": "polite" });
    var err = errorBox(), boxes = [];
    function sync() {
      state.interests = boxes.filter(function (b) { return b.checked; }).map(function (b) { return +b.value; });
      var full = state.interests.length >= max;
      boxes.forEach(function (b) { b.disabled = full && !b.checked; });
      live.textContent = full ? t.interests_max : "";
      if (state.interests.length) err.textContent = "";
    }
    var groups = cfg.interests.map(function (group) {
      return el("fieldset", { "class": "grp" }, [el("legend", { text: group.name })].concat(
        group.choices.map(function (choice) {
          var box = el("input", { type: "checkbox", value: String(choice.id), onchange: sync });
          box.checked = state.interests.indexOf(choice.id) >= 0;
          boxes.push(box);
          return el("label", {}, [box, el("span", { text: choice.name })]);
        })
      ));
    });
    var all = el("fieldset", {}, [el("legend", { text: t.interests_legend })].concat(groups));
    showStep(1, t.s1, [all, live, err, el("div", { "class": "row" }, [
      el("button", { type: "button", "class": "btn", text: t.next, onclick: function () {
        if (!state.interests.length) { invalid(boxes[0], err, t.interests_required); return; }
        step2();
      } })
    ])]);
    sync();
  }

  // Step 2: commune or postcode, with an autocomplete (combobox + listbox).
  function step2() {
    var t = cfg.texts, inputId = id("commune"), listId = id("list"), hintId = id("hint");
    var err = errorBox(), live = el("p", { "class": "sr", "aria-live": "polite" });
    var options = [], active = -1, timer = 0, seq = 0;
    var list = el("ul", { id: listId, role: "listbox", "class": "lb", "aria-label": t.commune_label, hidden: true });
    var input = el("input", {
      id: inputId, type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": listId, "aria-describedby": hintId, autocomplete: "off", maxlength: "100", spellcheck: "false"
    });
    input.value = state.commune;
    function show(items) {
      options = items; active = -1;
      list.textContent = "";
      items.forEach(function (c, i) {
        list.appendChild(el("li", {
          id: listId + "-" + i, role: "option", "aria-selected": "false",
          text: c.name + (c.postcodes.length ? " (" + c.postcodes[0] + ")" : ""),
          onmousedown: function (e) { e.preventDefault(); pick(i); }
        }));
      });
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
      live.textContent = items.length ? fmt(t.suggestions, { n: items.length }) : "";
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0) { input.setAttribute("aria-activedescendant", listId + "-" + i); list.children[i].scrollIntoView({ block: "nearest" }); }
    }
    function pick(i) {
      var c = options[i];
      state.insee = c.insee;
      state.commune = input.value = c.name + (c.postcodes.length ? " (" + c.postcodes[0] + ")" : "");
      show([]);
      err.textContent = "";
    }
    input.addEventListener("input", function () {
      state.insee = ""; state.commune = input.value;
      clearTimeout(timer);
      var q = input.value.trim(), mine = ++seq;
      if (q.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        request("communes/?q=" + encodeURIComponent(q)).then(function (r) {
          if (mine === seq && r.ok && Array.isArray(r.body)) show(r.body);
        }).catch(function () { show([]); });
      }, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && options.length) { e.preventDefault(); highlight((active + 1) % options.length); }
      else if (e.key === "ArrowUp" && options.length) { e.preventDefault(); highlight((active - 1 + options.length) % options.length); }
      else if (e.key === "Enter") { e.preventDefault(); if (active >= 0) pick(active); else next(); }
      else if (e.key === "Escape" && !list.hidden) { e.preventDefault(); e.stopPropagation(); show([]); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { show([]); }, 150); });
    function next() {
      if (!input.value.trim()) { invalid(input, err, t.commune_required); return; }
      state.commune = input.value.trim();
      step3();
    }
    showStep(2, t.s2, [
      el("div", { "class": "field" }, [el("label", { "for": inputId, text: t.commune_label }), input, list]),
      el("p", { id: hintId, "class": "note", text: t.commune_hint }), live, err,
      el("div", { "class": "row" }, [
        el("button", { type: "button", "class": "btn2", text: t.back, onclick: step1 }),
        el("button", { type: "button", "class": "btn", text: t.next, onclick: next })
      ])
    ]);
  }

  // Step 3: consent. Boxes unticked, one per purpose; refusing is a button of the same size.
  function step3() {
    var t = cfg.texts, err = errorBox(), boxes = [];
    var emailId = id("email"), email = el("input", { id: emailId, type: "email", autocomplete: "email", maxlength: "254" });
    var emailField = el("div", { "class": "field", hidden: true }, [el("label", { "for": emailId, text: t.email_label }), email]);
    var hpId = id("hp"), honeypot = el("input", { id: hpId, type: "text", name: "website", tabindex: "-1", autocomplete: "off" });
    var under = el("input", { type: "checkbox" }), parentHint = id("ph");
    var parental = el("input", { type: "checkbox", "aria-describedby": parentHint });
    var parentField = el("div", { hidden: true }, [
      el("label", {}, [parental, el("span", { text: t.parental })]),
      el("p", { id: parentHint, "class": "hint", text: t.parental_hint })
    ]);
    function sync() {
      emailField.hidden = !boxes.some(function (b) { return b.checked; });
      parentField.hidden = !under.checked;
    }
    under.addEventListener("change", sync);
    var purposes = cfg.purposes.map(function (p) {
      var hint = id("d"), box = el("input", { type: "checkbox", value: p.purpose, "aria-describedby": hint, onchange: sync });
      box.setAttribute("data-version", p.version);
      boxes.push(box);
      return el("div", {}, [el("label", {}, [box, el("span", { text: p.label })]), el("p", { id: hint, "class": "hint", text: p.detail })]);
    });
    var refuse = el("button", { type: "button", "class": "btn", text: t.refuse, onclick: function () { send(false); } });
    var accept = el("button", { type: "button", "class": "btn", text: t.accept, onclick: function () { send(true); } });
    function send(consenting) {
      err.textContent = "";
      [email, parental].forEach(function (f) { f.removeAttribute("aria-invalid"); });
      var chosen = consenting ? boxes.filter(function (b) { return b.checked; }) : [];
      var payload = {
        token: cfg.token, website: honeypot.value, interests: state.interests,
        commune: state.insee || state.commune, purposes: chosen.map(function (b) { return b.value; }),
        versions: {}, email: "", under_15: under.checked, parental: false
      };
      chosen.forEach(function (b) { payload.versions[b.value] = b.getAttribute("data-version"); });
      if (chosen.length) {
        if (!email.value.trim() || !email.checkValidity()) { invalid(email, err, cfg.texts.email_required); return; }
        if (under.checked && !parental.checked) { invalid(parental, err, cfg.texts.parent_required); return; }
        payload.email = email.value.trim();
        payload.parental = parental.checked;
      }
      refuse.disabled = accept.disabled = true;
      accept.textContent = consenting ? t.sending : t.accept;
      request("submit/", payload).then(function (r) {
        refuse.disabled = accept.disabled = false;
        accept.textContent = t.accept;
        if (r.ok) { tokenAt = 0; step4(r.body); return; }  // a token sends one answer: a new one next time
        var fields = (r.body && r.body.fields) || {};
        var target = fields.email ? email : fields.parental ? parental : null;
        if (fields.commune || fields.interests) { (fields.commune ? step2 : step1)(); }
        invalid(target, errorTarget(), (r.body && r.body.error) || t.error);
      }).catch(function () {
        refuse.disabled = accept.disabled = false;
        accept.textContent = t.accept;
        invalid(null, errorTarget(), t.error);
      });
    }
    function errorTarget() { var found = body.querySelector(".err"); return found || err; }
    showStep(3, t.s3, [
      el("fieldset", {}, [el("legend", { text: t.consent_legend }), el("p", { "class": "note", text: t.consent_intro })].concat(purposes)),
      emailField,
      el("div", { "class": "age" }, [el("label", {}, [under, el("span", { text: t.under_15 })]), parentField]),
      el("div", { "class": "hp", "aria-hidden": "true" }, [el("label", { "for": hpId, text: "Website" }), honeypot]),
      err,
      el("div", { "class": "row" }, [refuse, accept]),
      el("div", { "class": "row" }, [el("button", { type: "button", "class": "btn2", text: t.back, onclick: step2 })])
    ]);
  }

  // Step 4: the nearest médiathèque, three things for these interests, calls to action.
  function step4(result) {
    var t = cfg.texts, b = result.branch || {}, links = result.links || {};
    function link(href, text) {
      return href ? el("a", { href: href, target: "_blank", rel: "noopener" }, [text, el("span", { "class": "sr", text: " " + t.new_tab })]) : null;
    }
    var items = (result.suggestions || []).map(function (s) {
      return el("li", {}, [el("span", { "class": "kind", text: t[s.kind] || "" }), el("br"), link(s.url, s.title) || s.title, s.detail ? " — " + s.detail : ""]);
    });
    showStep(4, t.s4, [
      el("div", { "class": "res" }, [
        el("p", {}, [el("strong", { text: b.name })]),
        el("p", { text: b.address }),
        el("p", { text: fmt(t.distance, { km: String(b.distance_km).replace(".", ",") }) })
      ]),
      items.length ? el("h4", { text: t.for_you }) : null,
      items.length ? el("ul", { "class": "sugg" }, items) : null,
      el("div", { "class": "cta" }, [link(links.community, t.join), link(links.account, t.account), link(links.card, t.card)]),
      el("p", { "class": "note", role: "status", text: result.stored ? t.stored : t.not_stored }),
      el("div", { "class": "row" }, [el("button", { type: "button", "class": "btn2", text: t.close, onclick: close })])
    ]);
  }

  // --- Start ------------------------------------------------------------------------------
  function load() {
    loading = request("config/").then(function (r) {
      if (!r.ok) { refusal = (r.body && r.body.error) || T.unavailable; if (window.console) console.warn("Affinités widget:", refusal); return; }
      cfg = r.body; tokenAt = Date.now(); T = cfg.texts;
    }).catch(function () { refusal = T.unavailable; }).then(function () { loading = null; });
    return loading;
  }
  function start() {
    var node = document.createElement("affinites-widget");
    root = node.attachShadow({ mode: "open" });
    applyStyles(palette(null));
    launcher = el("button", { type: "button", "class": "launch", "aria-haspopup": "dialog", "aria-expanded": "false", text: T.open, onclick: open });
    root.appendChild(launcher);
    document.body.appendChild(node);
    load().then(function () {
      if (!cfg) return;
      applyStyles(palette(cfg.partner));
      launcher.textContent = T.open;
      var delay = cfg.partner.delay;
      if (typeof delay === "number") setTimeout(function () { if (!touched) open(); }, delay * 1000);
    });
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
