"use strict";
/* The what-if page's script (sibkit.report.whatif.page). It computes no contract: it looks up the engine's
   figures, computed in Python for every grid point, and interpolates linearly between grid points (marked
   with ≈ and data-exact="false"). Numbers are written with the locale's symbols and Babel's patterns. */
(function () {
  var D = JSON.parse(document.getElementById("whatif-data").textContent);
  var F = D.fmt;
  var S = null;
  var sliders = Array.prototype.slice.call(document.querySelectorAll("input[data-lever]"));
  var status = document.getElementById("status");
  var statusExact = status.textContent;

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, F.group);
  }
  function fixed(x, places) {
    var s = Math.abs(x).toFixed(places).split(".");
    return grouped(s[0]) + (s.length > 1 ? F.decimal + s[1] : "");
  }
  function money(cents, exact) {
    var negative = cents < 0;
    var n;
    if (exact) {
      var a = Math.abs(cents);
      var unit = Math.pow(10, F.money_digits);
      var whole = Math.floor(a / unit);
      var part = String(a - whole * unit);
      while (part.length < F.money_digits) part = "0" + part;
      n = grouped(String(whole)) + (F.money_digits ? F.decimal + part : "");
    } else {
      n = fixed(Math.round(Math.abs(cents) / Math.pow(10, F.money_digits)), 0);
    }
    return (negative ? F.money_negative : F.money).replace("{n}", n);
  }
  function trimmed(x, places) {
    var s = fixed(x, places);
    if (s.indexOf(F.decimal) >= 0) s = s.replace(new RegExp("\\" + F.decimal + "?0+$"), "");
    return s;
  }

  /* -- the position of each slider, as a fractional grid index ---------------------------------------- */
  function position(i) {
    return Number(sliders[i].value) / D.levers[i].steps;
  }
  function leverValue(i, f) {
    var L = D.levers[i];
    var lo = Math.floor(f), w = f - lo;
    if (L.unit === "choice") return L.values[lo];
    var a = Number(L.values[lo]);
    var b = w > 0 ? Number(L.values[lo + 1]) : a;
    return a + (b - a) * w;
  }
  function leverText(i, f) {
    var L = D.levers[i];
    if (f === Math.floor(f)) return L.texts[f];
    var v = leverValue(i, f);
    if (L.unit === "money") return "≈\u00a0" + money(Math.round(v) * Math.pow(10, F.money_digits), true).replace(F.decimal + "00", "");
    if (L.unit === "share") return "≈\u00a0" + F.percent.replace("{n}", trimmed(v * 100, 2));
    return "≈\u00a0" + F.factor.replace("{n}", trimmed(v, 3));
  }

  /* -- looking up and interpolating ------------------------------------------------------------------- */
  function flat(idx) {
    var k = 0;
    for (var i = 0; i < idx.length; i++) k = k * D.shape[i] + idx[i];
    return k;
  }
  function corners(fs) {
    var out = [{ idx: [], w: 1 }];
    fs.forEach(function (f) {
      var lo = Math.floor(f), w = f - lo, next = [];
      out.forEach(function (c) {
        next.push({ idx: c.idx.concat([lo]), w: c.w * (1 - w) });
        if (w > 0) next.push({ idx: c.idx.concat([lo + 1]), w: c.w * w });
      });
      out = next;
    });
    return out;
  }
  function valueAt(key, fs, cs) {
    var column = S[key];
    if (!column) return null;
    var kind = kindOf(key);
    if (kind === "month") {
      var v = column[flat(fs.map(Math.round))];
      return v === null || v === undefined ? null : v;
    }
    var sum = 0;
    for (var j = 0; j < cs.length; j++) {
      var x = column[flat(cs[j].idx)];
      if (x === null || x === undefined) return null;
      if (cs[j].w > 0) sum += cs[j].w * x;
    }
    return sum;
  }
  function kindOf(key) {
    var last = key.slice(key.lastIndexOf(".") + 1);
    if (/_month$/.test(last)) return "month";
    if (last === "irr") return "rate";
    if (last === "multiple") return "multiple";
    return "money";
  }
  function show(el, value, exact) {
    var kind = el.getAttribute("data-kind");
    var text;
    el.setAttribute("data-exact", exact ? "true" : "false");
    el.classList.toggle("approx", !exact);
    if (value === null) {
      text = "–";
      el.setAttribute(kind === "money" ? "data-cents" : "data-value", "");
    } else if (kind === "money") {
      var cents = exact ? value : Math.round(value);
      el.setAttribute("data-cents", String(cents));
      text = money(cents, exact);
      el.classList.toggle("negative", cents < 0);
    } else if (kind === "month") {
      el.setAttribute("data-value", String(value));
      text = D.months[value];
    } else if (kind === "rate") {
      el.setAttribute("data-value", String(value));
      text = (value < 0 ? F.rate_negative : F.rate).replace("{n}", fixed(value * 100, 1));
    } else {
      el.setAttribute("data-value", String(value));
      text = (value < 0 ? F.multiple_negative : F.multiple).replace("{n}", fixed(value, 2));
    }
    el.textContent = (exact || value === null ? "" : "≈\u00a0") + text;
  }

  /* -- checks: only on the star through the default point -------------------------------------------- */
  function showChecks(fs, exact) {
    var list = document.getElementById("checks");
    var idx = fs.map(Math.round);
    var away = 0;
    D.levers.forEach(function (L, i) { if (idx[i] !== L.default) away++; });
    var found = exact && away <= 1 ? D.checks.points[idx.join(",")] : undefined;
    var base = D.checks.points[D.levers.map(function (L) { return L.default; }).join(",")] || [];
    var codes = {};
    base.forEach(function (k) { codes[D.checks.table[k][1] + " " + D.checks.table[k][0]] = true; });
    while (list.firstChild) list.removeChild(list.firstChild);
    function note(text) {
      var li = document.createElement("li");
      li.className = "note";
      li.textContent = text;
      list.appendChild(li);
    }
    if (found === undefined) return note(D.text.elsewhere);
    if (!found.length) return note(D.text.none);
    found.forEach(function (k) {
      var row = D.checks.table[k];
      var li = document.createElement("li");
      li.className = row[0];
      li.setAttribute("data-code", row[1]);
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = D.severity[row[0]];
      var code = document.createElement("b");
      code.textContent = row[1];
      li.appendChild(badge);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(code);
      li.appendChild(document.createTextNode(" " + row[2]));
      if (!codes[row[1] + " " + row[0]]) {
        var fresh = document.createElement("em");
        fresh.className = "new";
        fresh.textContent = " " + D.text.new;
        li.appendChild(fresh);
      }
      list.appendChild(li);
    });
  }

  /* -- the URL fragment: #success=0.8&price=4000 ------------------------------------------------------ */
  function writeFragment() {
    var parts = [];
    sliders.forEach(function (s, i) {
      var L = D.levers[i];
      if (Number(s.value) === L.default * L.steps) return;
      var v = leverValue(i, position(i));
      var text = L.unit === "choice" ? v : String(Math.round(v * 10000) / 10000);
      parts.push(encodeURIComponent(L.name) + "=" + encodeURIComponent(text));
    });
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try { history.replaceState(null, "", url); } catch (e) { /* a file opened from an e-mail may refuse */ }
  }
  function readFragment() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var kv = part.split("=");
      try { wanted[decodeURIComponent(kv[0])] = decodeURIComponent(kv.slice(1).join("=")); } catch (e) { /* ignore */ }
    });
    sliders.forEach(function (s, i) {
      var L = D.levers[i];
      var best = L.default * L.steps;
      if (Object.prototype.hasOwnProperty.call(wanted, L.name)) {
        var want = wanted[L.name];
        var max = Number(s.max), gap = Infinity;
        for (var p = 0; p <= max; p++) {
          var v = leverValue(i, p / L.steps);
          var d = L.unit === "choice" ? (v === want ? 0 : Infinity) : Math.abs(v - Number(want));
          if (d < gap) { gap = d; best = p; }
        }
        if (gap === Infinity) best = L.default * L.steps;
      }
      s.value = String(best);
    });
  }

  /* -- updating --------------------------------------------------------------------------------------- */
  function update(write) {
    var fs = sliders.map(function (s, i) { return position(i); });
    var exact = fs.every(function (f) { return f === Math.floor(f); });
    sliders.forEach(function (s, i) {
      var text = leverText(i, fs[i]);
      s.setAttribute("aria-valuetext", text);
      var out = document.getElementById(s.id + "-value");
      out.textContent = text;
      out.setAttribute("data-exact", fs[i] === Math.floor(fs[i]) ? "true" : "false");
    });
    if (S) {
      var cs = corners(fs);
      Array.prototype.forEach.call(document.querySelectorAll("[data-key]"), function (el) {
        show(el, valueAt(el.getAttribute("data-key"), fs, cs), exact);
      });
      showChecks(fs, exact);
      status.textContent = exact ? statusExact : D.text.approx;
    }
    if (write) writeFragment();
  }

  function unpack(text) {
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(JSON.parse);
  }

  document.getElementById("reset").addEventListener("click", function () {
    sliders.forEach(function (s, i) { s.value = String(D.levers[i].default * D.levers[i].steps); });
    update(true);
  });
  var presenter = document.getElementById("presenter");
  presenter.addEventListener("click", function () {
    var on = !document.body.classList.contains("presenter");
    document.body.classList.toggle("presenter", on);
    document.documentElement.classList.toggle("presenter", on);
    presenter.setAttribute("aria-pressed", on ? "true" : "false");
  });
  sliders.forEach(function (s) {
    s.addEventListener("input", function () { update(true); });
  });
  window.addEventListener("hashchange", function () { readFragment(); update(false); });

  if (typeof DecompressionStream === "undefined") {
    status.textContent = D.text.old_browser;
    sliders.forEach(function (s) { s.disabled = true; });
    return;
  }
  unpack(D.series).then(function (series) {
    S = series;
    readFragment();
    update(false);
    document.body.setAttribute("data-ready", "true");
  }, function () {
    status.textContent = D.text.old_browser;
  });
})();
