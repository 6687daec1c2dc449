// Suggestions as you type in the site's search box (progressive enhancement: without
// JavaScript the box is a plain GET form). Titles come from /api/v1/suggest.
(function () {
  var input = document.getElementById("site-q");
  var list = document.getElementById("site-q-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      fetch("/api/v1/suggest?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          while (list.firstChild) list.removeChild(list.firstChild);
          (data.suggestions || []).forEach(function (title) {
            var option = document.createElement("option");
            option.value = title;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();

// The listing's filters: collapsed behind "필터 (N)" on a phone, simply open on a wide
// screen (CSS does it where ::details-content is supported; this covers the rest).
(function () {
  var box = document.getElementById("filters-box");
  if (box && window.matchMedia && window.matchMedia("(min-width: 700px)").matches) box.open = true;
})();
