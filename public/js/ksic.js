// Industry by name on the business profile (progressive enhancement): typing "한식"
// fills the field's suggestion list with matching KSIC entries from /api/v1/ksic;
// choosing one puts its code in the field. Without JavaScript the form offers the
// same entries after a submit.
(function () {
  var input = document.getElementById("i-ksic_code");
  var list = document.getElementById("ksic-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      // Codes are typed as digits; only a name is looked up.
      if (q.length < 1 || /^[0-9A-Za-z]+$/.test(q) || q === last) return;
      last = q;
      fetch("/api/v1/ksic?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { ksic: [] }; })
        .then(function (data) {
          while (list.firstChild) list.removeChild(list.firstChild);
          (data.ksic || []).forEach(function (k) {
            var option = document.createElement("option");
            option.value = k.code;
            option.label = k.name + " (" + k.code + ")";
            option.textContent = k.name + " (" + k.code + ")";
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
