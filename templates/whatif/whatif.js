"use strict";
/* The what-if page's script (sibkit.report.whatif.page). It computes no contract: it looks up the engine's
   figures and the checks' findings, computed in Python for every grid point, and interpolates the figures
   linearly between grid points (marked with ≈ and data-exact="false"), showing there the findings of the
   nearest grid point (marked ≈ too). A value in the URL fragment is taken exactly: the slider's thumb goes
   to the nearest step, but the figures are interpolated at the value itself until the slider is moved.
   Numbers are written with the locale's symbols and Babel's patterns. */
(function () {
  var D = JSON.parse(document.getElementById("whatif-data").textContent);
  var F = D.fmt;
  var S = null; /* the series, once unpacked */
  var C = null; /* the checks at every grid point, once unpacked */
  var given = []; /* per slider: the exact value a URL fragment asked for ({value, f}), until it is moved */
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
    if (given[i]) return given[i].f;
    return Number(sliders[i].value) / D.levers[i].steps;
  }
  /* The fractional grid index of value v of a continuous lever (clamped to its range). */
  function indexOf(i, v) {
    var values = D.levers[i].values.map(Number);
    var last = values.length - 1;
    if (!(v > values[0])) return 0;
    if (!(v < values[last])) return last;
    for (var k = 0; k < last; k++) {
      if (v === values[k]) return k;
      if (v < values[k + 1]) return k + (v - values[k]) / (values[k + 1] - values[k]);
    }
    return last;
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
    /* a value asked for in the URL is shown as it was asked (to 4 decimals); a slider step is rounded */
    var exact = !!given[i];
    var v = exact ? given[i].value : leverValue(i, f);
    var mark = exact ? "" : "≈\u00a0";
    if (L.unit === "money") {
      var unit = Math.pow(10, F.money_digits);
      var cents = exact ? Math.round(v * unit) : Math.round(v) * unit;
      var text = money(cents, true);
      return mark + (cents % unit === 0 && F.money_digits ? text.replace(F.decimal + "00", "") : text);
    }
    if (L.unit === "share") return mark + F.percent.replace("{n}", trimmed(v * 100, 2));
    return mark + F.factor.replace("{n}", trimmed(v, exact ? 4 : 3));
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

  /* -- checks: those of the nearest grid point (marked ≈ between grid points) ------------------------ */
  function findingsAt(idx) {
    var k = C.points[flat(idx)];
    return k === undefined || k < 0 ? undefined : C.sets[k];
  }
  function showChecks(fs, exact) {
    var list = document.getElementById("checks");
    var found = findingsAt(fs.map(Math.round));
    var base = findingsAt(D.levers.map(function (L) { return L.default; })) || [];
    var codes = {};
    base.forEach(function (k) { codes[C.table[k][1] + " " + C.table[k][0]] = true; });
    while (list.firstChild) list.removeChild(list.firstChild);
    list.setAttribute("data-exact", exact ? "true" : "false");
    function note(text) {
      var li = document.createElement("li");
      li.className = "note";
      li.textContent = text;
      list.appendChild(li);
    }
    if (found === undefined) return note(D.text.elsewhere);
    if (!exact) note(D.text.nearest);
    if (!found.length) return note(D.text.none);
    found.forEach(function (k) {
      var row = C.table[k];
      var li = document.createElement("li");
      li.className = row[0] + (exact ? "" : " approx");
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

  /* -- the URL fragment: #success=0.8&price=4000, taken exactly ---------------------------------------- */
  function writeFragment() {
    var parts = [];
    sliders.forEach(function (s, i) {
      var L = D.levers[i];
      if (!given[i] && Number(s.value) === L.default * L.steps) return;
      var v = given[i] ? given[i].value : leverValue(i, position(i));
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
    given = [];
    sliders.forEach(function (s, i) {
      var L = D.levers[i];
      var best = L.default * L.steps;
      if (Object.prototype.hasOwnProperty.call(wanted, L.name)) {
        var want = wanted[L.name];
        if (L.steps > 1) {
          /* a continuous lever: the value itself (within the lever's range), not the nearest slider step */
          var values = L.values.map(Number), v = Number(want);
          if (want !== "" && isFinite(v)) {
            v = Math.min(Math.max(v, values[0]), values[values.length - 1]);
            var f = indexOf(i, v);
            best = Math.round(f * L.steps);
            if (f !== Math.floor(f)) given[i] = { value: v, f: f };
            else best = f * L.steps;
          }
        } else {
          var at = L.unit === "choice" ? L.values.indexOf(want) : L.values.map(Number).indexOf(Number(want));
          if (at >= 0) best = at;
        }
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
    if (S && C) {
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
    given = [];
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
  sliders.forEach(function (s, i) {
    s.addEventListener("input", function () { given[i] = undefined; update(true); });
  });
  window.addEventListener("hashchange", function () { readFragment(); update(false); });

  if (typeof DecompressionStream === "undefined") {
    status.textContent = D.text.old_browser;
    sliders.forEach(function (s) { s.disabled = true; });
    return;
  }
  unpack(D.packed).then(function (packed) {
    S = packed.series;
    C = packed.checks;
    readFragment();
    update(false);
    document.body.setAttribute("data-ready", "true");
  }, function () {
    status.textContent = D.text.old_browser;
  });
})();
