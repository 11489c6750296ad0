/* Catalogue page: find a commune's territories, filter the tables, « Où m'adresser ? ».
 * Works from the files alone (file:// or any static server). The data files
 * (recherche/communes.js, recherche/lieux.js) are loaded only when a visitor starts searching.
 * Every value from the data is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";

  var loaded = {};
  function load(src, name, done) {
    if (window[name]) { done(window[name]); return; }
    (loaded[src] = loaded[src] || []).push(done);
    if (loaded[src].length > 1) return;
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () { loaded[src].forEach(function (f) { f(window[name]); }); };
    s.onerror = function () { loaded[src].forEach(function (f) { f(null); }); };
    document.head.appendChild(s);
  }

  /* case, accents, hyphens, apostrophes and "St"/"Ste" insensitive */
  function norm(s) {
    s = String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/\u0153/g, "oe").replace(/\u00e6/g, "ae").replace(/[^a-z0-9]+/g, " ").trim();
    return (" " + s + " ").replace(/ st /g, " saint ").replace(/ ste /g, " sainte ")
      .replace(/ st /g, " saint ").replace(/ ste /g, " sainte ").trim();
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function km(x) {
    return x.toLocaleString("fr-FR", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  /* ------------------------------------------------------------------ communes */

  var prepared = null;
  function prepare(data) {
    if (prepared || !data) return prepared;
    prepared = data.communes.map(function (c) {
      return { code: c[0], label: c[1], dep: c[2], lat: c[3], lon: c[4], postcodes: c[5],
               aliases: c[6], territories: c[7], key: norm(c[1]),
               aliasKeys: c[6].map(norm) };
    });
    return prepared;
  }

  /* communes matching the query, best first: [commune, rank] */
  function findCommunes(data, query, limit) {
    var communes = prepare(data), q = norm(query), raw = String(query || "").trim().toUpperCase();
    if (!q) return [];
    var out = [];
    var isCode = /^(\d{5}|2[AB]\d{3})$/.test(raw);
    communes.forEach(function (c) {
      var rank = -1;
      if (isCode) {
        if (c.code === raw) rank = 0;
        else if (c.aliases.indexOf(raw) !== -1) rank = 1;
        else if (c.postcodes.indexOf(raw) !== -1) rank = 2;
      } else if (q.length >= 2) {
        if (c.key === q) rank = 0;
        else if (c.aliasKeys.indexOf(q) !== -1) rank = 1;
        else if (c.key.indexOf(q) === 0) rank = 2;
        else if ((" " + c.key).indexOf(" " + q) !== -1) rank = 3;
        else if (c.aliasKeys.some(function (a) { return a.indexOf(q) === 0; })) rank = 4;
      }
      if (rank >= 0) out.push([c, rank]);
    });
    out.sort(function (a, b) { return a[1] - b[1] || a[0].label.localeCompare(b[0].label, "fr") || (a[0].code < b[0].code ? -1 : 1); });
    return limit ? out.slice(0, limit) : out;
  }

  function territoryLink(data, index) {
    var t = data.territories[index];
    if (t[3]) {
      var a = el("a", { href: t[3] }, t[2]);
      return a;
    }
    return el("span", null, t[2]);
  }

  function communeResult(data, c, rank, query) {
    var li = el("li", { "class": "commune-result", id: "commune-" + c.code });
    var h = el("h3");
    h.appendChild(document.createTextNode(c.label + " (" + c.code + ")"));
    li.appendChild(h);
    var info = [c.dep];
    if (rank === 1) info.push("anciennement " + c.aliases.join(", ") + " : commune de la géographie 2026");
    if (c.postcodes.length) info.push("code postal " + c.postcodes.join(", "));
    li.appendChild(el("p", { "class": "small" }, info.filter(Boolean).join(" · ")));
    var dl = el("ul", { "class": "commune-territories" });
    var bySet = {};
    c.territories.forEach(function (i) {
      var s = data.territories[i][0];
      (bySet[s] = bySet[s] || []).push(i);
    });
    data.sets.forEach(function (s, si) {
      if (!bySet[si]) return;
      var item = el("li");
      item.appendChild(el("span", { "class": "set-name" }, s[1] + " : "));
      bySet[si].forEach(function (i, k) {
        if (k) item.appendChild(document.createTextNode(", "));
        item.appendChild(territoryLink(data, i));
      });
      dl.appendChild(item);
    });
    if (!c.territories.length) dl.appendChild(el("li", null, "Cette commune n'appartient à aucun territoire publié."));
    li.appendChild(dl);
    return li;
  }

  var input = document.getElementById("recherche");
  var count = document.getElementById("nb-resultats");
  var list = document.getElementById("resultats-communes");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-search]"));
  var mapLinks = Array.prototype.slice.call(document.querySelectorAll("a[data-territory]"));

  function highlight(keys) {
    mapLinks.forEach(function (a) {
      var on = keys[a.getAttribute("data-territory")] === true;
      a.classList.toggle("match", on);
    });
  }

  function search() {
    var text = input.value.slice(0, 200), q = norm(text);
    var n = 0;
    list.textContent = "";
    if (!q) {
      rows.forEach(function (r) { r.hidden = false; });
      highlight({});
      count.textContent = "";
      return;
    }
    load("recherche/communes.js", "portraitsCommunes", function (data) {
      if (input.value.slice(0, 200) !== text) return; /* a newer query is on its way */
      var found = data ? findCommunes(data, text, 12) : [];
      var keys = {};
      found.forEach(function (f) {
        f[0].territories.forEach(function (i) {
          var t = data.territories[i];
          keys[data.sets[t[0]][0] + "/" + t[1]] = true;
        });
        list.appendChild(communeResult(data, f[0], f[1], q));
      });
      n = 0;
      rows.forEach(function (r) {
        var ok = norm(r.getAttribute("data-search")).indexOf(q) !== -1 || keys[r.getAttribute("data-key")] === true;
        r.hidden = !ok;
        if (ok) n++;
      });
      highlight(keys);
      var msg = found.length ? found.length + (found.length > 1 ? " communes trouvées" : " commune trouvée") : "Aucune commune trouvée";
      msg += " ; " + (n ? n + (n > 1 ? " territoires" : " territoire") : "aucun territoire") + " dans les tableaux.";
      if (!found.length && /^\d{5}$/.test(text.trim()) && data) {
        msg += " Les codes postaux connus sont ceux relevés dans les adresses de l'annuaire (" +
          data.postcodes_known + " communes) : essayez le nom ou le code INSEE de la commune.";
      }
      count.textContent = msg;
    });
  }

  if (input) {
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 120); });
    input.addEventListener("focus", function () { load("recherche/communes.js", "portraitsCommunes", function () {}); });
    var form = input.form;
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); search(); });
    var m = /^#commune-([0-9AB]{5})$/i.exec(window.location.hash);
    if (m) { input.value = m[1]; search(); }
  }

  /* ------------------------------------------------------------ Où m'adresser ? */

  function haversine(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, p1 = lat1 * r, p2 = lat2 * r, dp = p2 - p1, dl = (lon2 - lon1) * r;
    var h = Math.pow(Math.sin(dp / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* the same ranking as portraits.directory.orienter */
  function orienter(lieux, c, pub, open, networks, limit) {
    var wanted = open ? [pub, "tout_public"] : [pub];
    var out = [];
    lieux.points.forEach(function (p) {
      if (networks && networks.indexOf(p.network) === -1) return;
      if (!p.publics.some(function (x) { return wanted.indexOf(x) !== -1; })) return;
      var d = Math.round(haversine(c.lat, c.lon, p.lat, p.lon) * 1000) / 1000;
      out.push({ p: p, d: d });
    });
    out.sort(function (a, b) {
      return a.d - b.d || (a.p.approx === b.p.approx ? 0 : (a.p.approx ? 1 : -1)) || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0);
    });
    return out.slice(0, limit);
  }

  var oForm = document.getElementById("ou-form");
  var oStatus = document.getElementById("ou-statut");
  var oList = document.getElementById("ou-resultats");
  var oRef = document.getElementById("ou-reference");

  function pointItem(lieux, r, reference) {
    var p = r.p, li = el("li", { "class": "lieu" });
    var h = el("p", { "class": "lieu-nom" });
    h.appendChild(el("strong", null, p.name));
    h.appendChild(document.createTextNode(" — " + (lieux.networks[p.network] || p.network)));
    if (reference.indexOf(p.network) !== -1) h.appendChild(el("span", { "class": "tag" }, "réseau de référence"));
    li.appendChild(h);
    li.appendChild(el("p", { "class": "small" }, (p.approx ? "≈ " : "") + km(r.d) + " km · " + p.address));
    var contact = el("p", { "class": "small" });
    var parts = [];
    if (p.phone) parts.push(el("a", { href: "tel:" + p.phone.replace(/[^0-9+]/g, "") }, "tél. " + p.phone));
    if (p.website && /^https?:\/\//i.test(p.website)) parts.push(el("a", { href: p.website, rel: "noopener" }, p.website_text));
    if (p.email && /^[^\s<>"]+@[^\s<>"]+$/.test(p.email)) parts.push(el("a", { href: "mailto:" + p.email }, p.email));
    parts.forEach(function (x, i) { if (i) contact.appendChild(document.createTextNode(" · ")); contact.appendChild(x); });
    if (parts.length) li.appendChild(contact);
    if (p.hours) li.appendChild(el("p", { "class": "small" }, "Horaires : " + p.hours));
    li.appendChild(el("p", { "class": "small" + (p.stale ? " stale" : "") }, (p.stale ? "À confirmer : " : "") + p.freshness));
    return li;
  }

  function resolve(data, text) {
    var found = findCommunes(data, text, 0);
    var best = found.filter(function (f) { return f[1] <= 1 || (/^\d{5}$/.test(text.trim()) && f[1] === 2); });
    if (best.length === 0 && found.length === 1) best = found;
    return { one: best.length === 1 ? best[0][0] : null, choices: best.length > 1 ? best : found.slice(0, 8) };
  }

  function orient() {
    var text = document.getElementById("ou-commune").value.slice(0, 200);
    var pub = document.getElementById("ou-public").value;
    var open = document.getElementById("ou-ouvert").checked;
    oList.textContent = "";
    oRef.textContent = "";
    if (!norm(text)) { oStatus.textContent = "Indiquez une commune (nom, code INSEE ou code postal)."; return; }
    oStatus.textContent = "Recherche…";
    load("recherche/communes.js", "portraitsCommunes", function (data) {
      load("recherche/lieux.js", "portraitsLieux", function (lieux) {
        if (!data || !lieux) { oStatus.textContent = "Les fichiers de l'annuaire sont introuvables."; return; }
        var r = resolve(data, text);
        if (!r.one) {
          oStatus.textContent = r.choices.length ? "Plusieurs communes correspondent : précisez (" +
            r.choices.map(function (f) { return f[0].label + " (" + f[0].code + ")"; }).join(", ") + ")."
            : "Commune inconnue dans la région : essayez son nom, son code INSEE ou son code postal.";
          return;
        }
        var c = r.one;
        if (c.lat === null) { oStatus.textContent = "Pas de coordonnées pour " + c.label + "."; return; }
        var reference = lieux.reference[pub] || [];
        var res = orienter(lieux, c, pub, open, null, 10);
        oStatus.textContent = res.length
          ? res.length + " lieux pour le public « " + lieux.publics[pub] + " », les plus proches de " + c.label +
            " (" + c.code + ") d'abord" + (open ? ", lieux ouverts à tous compris." : ".")
          : "Aucun lieu de l'annuaire n'accueille ce public.";
        if (reference.length) {
          var ref = orienter(lieux, c, pub, false, reference, 1);
          if (ref.length) {
            oRef.appendChild(el("h3", null, "Réseau de référence le plus proche"));
            var ul = el("ul", { "class": "results" });
            ul.appendChild(pointItem(lieux, ref[0], reference));
            oRef.appendChild(ul);
          }
        }
        res.forEach(function (x) { oList.appendChild(pointItem(lieux, x, reference)); });
      });
    });
  }

  if (oForm) oForm.addEventListener("submit", function (e) { e.preventDefault(); orient(); });

  window.portraitsCatalogue = { norm: norm, findCommunes: findCommunes, orienter: orienter };
})();
