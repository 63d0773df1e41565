// The archive's search: fetch the shard of each word's first three letters, intersect, show the newest.
// Index layout and doc numbers: pipeline/archive/search.py.
(function () {
  "use strict";
  var KEY = 3, PER_UNIT = 10000, SHOW = 20;
  var STOP = new Set(("yang dan dari untuk dengan ini itu pada dalam akan atau juga oleh sudah telah bisa dapat ada " +
    "kami kita anda para bagi agar serta tidak karena sebagai hingga antara tersebut adalah http https www").split(" "));
  var form = document.querySelector("[data-k-search]");
  var box = document.getElementById("k-results");
  if (!form || !box) return;
  var input = form.querySelector("input");
  var shards = {}, tables = {};

  function words(text) {
    var folded = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    return (folded.match(/[a-z0-9]+/g) || []).filter(function (w) { return w.length >= KEY && !STOP.has(w); });
  }
  function getJson(url, cache, key) {
    if (!cache[key]) {
      cache[key] = fetch(url).then(function (r) { return r.ok ? r.json() : {}; }, function () { return {}; });
    }
    return cache[key];
  }
  function docsFor(word) {
    return getJson("idx/" + word.slice(0, KEY) + ".json", shards, word.slice(0, KEY)).then(function (shard) {
      var found = new Set();
      Object.keys(shard).forEach(function (term) {
        if (term.indexOf(word) !== 0) return;
        var doc = 0;
        shard[term].forEach(function (gap) { doc += gap; found.add(doc); });
      });
      return found;
    });
  }
  function unitName(doc) {
    var n = Math.floor(doc / PER_UNIT), year = 2000 + Math.floor(n / 12), month = n % 12 + 1;
    return year + "-" + (month < 10 ? "0" : "") + month;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function show(docs, from) {
    var chunk = docs.slice(from, from + SHOW);
    return Promise.all(chunk.map(function (doc) {
      var unit = unitName(doc);
      return getJson("docs/" + unit + ".json", tables, unit).then(function (rows) { return rows[doc % PER_UNIT]; });
    })).then(function (rows) {
      var list = box.querySelector("ul") || box.appendChild(el("ul", { "class": "k-results" }));
      rows.forEach(function (row) {
        if (!row) return;
        var item = el("li"), link = el("a", { href: "../" + row[0] });
        if (row[4]) item.appendChild(el("img", { src: "../" + row[4], alt: "", loading: "lazy" }));
        link.textContent = row[1];
        var text = el("div");
        text.appendChild(link);
        text.appendChild(el("br"));
        text.appendChild(el("small", {}, row[2] + " · " + row[3]));
        item.appendChild(text);
        list.appendChild(item);
      });
      var more = box.querySelector("button");
      if (more) more.remove();
      if (from + SHOW < docs.length) {
        more = el("button", { type: "button", "class": "md-button" }, box.dataset.more);
        more.addEventListener("click", function () { show(docs, from + SHOW); });
        box.appendChild(more);
      }
    });
  }
  function run(query) {
    var list = words(query);
    box.textContent = "";
    if (!list.length) return;
    Promise.all(list.map(docsFor)).then(function (sets) {
      var hits = Array.from(sets[0]).filter(function (doc) { return sets.every(function (s) { return s.has(doc); }); });
      hits.sort(function (a, b) { return b - a; });
      box.appendChild(el("p", { "class": "k-count" },
        hits.length ? box.dataset.found.replace("{n}", hits.length) : box.dataset.none));
      if (hits.length) return show(hits, 0);
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
})();
