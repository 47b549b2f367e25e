// Checkout and address forms. Without this script the forms work as they are: the ward is
// typed and checked by the server, which also says when an email is missing.
(function () {
  var form = document.querySelector("form[data-wards-url]");
  if (!form) return;

  // --- the ward/commune field suggests from the chosen province's 2025 list ---
  var province = form.querySelector('select[name="province"]');
  var commune = form.querySelector('input[name="commune"]');
  var list = document.getElementById("ward-suggestions");
  var wards = [];
  var loaded = null;

  // "Phường Ba Đình" and "phuong ba dinh" alike: what shoppers type without tone marks.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  function show() {
    var typed = commune.value.trim();
    var plain = fold(typed);
    // Typed without tone marks, the browser's own filter would hide "Phường Ba Đình" for
    // "ba dinh": such options carry the plain name as a label, which the filter reads too.
    var needsLabel = typed !== "" && plain === typed.toLowerCase();
    var shown = wards.filter(function (ward) { return ward.plain.indexOf(plain) !== -1; }).slice(0, 50);
    list.replaceChildren.apply(list, shown.map(function (ward) {
      var option = document.createElement("option");
      option.value = ward.name;
      if (needsLabel && ward.name.toLowerCase().indexOf(typed.toLowerCase()) === -1) option.label = ward.plain;
      return option;
    }));
  }

  function load() {
    var code = province.value;
    if (!code || code === loaded || !window.fetch) return;
    loaded = code;
    fetch(form.dataset.wardsUrl.replace("/00/", "/" + encodeURIComponent(code) + "/"), {
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : { wards: [] }; })
      .then(function (data) {
        if (data.province !== province.value) return; // the shopper chose another meanwhile
        wards = (data.wards || []).map(function (name) { return { name: name, plain: fold(name) }; });
        show();
      })
      .catch(function () { loaded = null; /* suggestions are a nicety */ });
  }

  if (province && commune && list) {
    province.addEventListener("change", load);
    commune.addEventListener("focus", load);
    commune.addEventListener("input", show);
    load();
  }

  // --- the email is required as soon as a method that needs it is chosen ---
  var email = form.querySelector('input[name="email"]');
  var marker = form.querySelector("[data-email-marker]");
  var needed = (form.dataset.emailNeeded || "").split(" ").filter(Boolean);
  function markEmail() {
    var chosen = form.querySelector('input[name="payment_method"]:checked');
    var required = !!chosen && needed.indexOf(chosen.value) !== -1;
    email.required = required;
    marker.hidden = !required;
  }
  if (email && marker && needed.length) {
    form.querySelectorAll('input[name="payment_method"]').forEach(function (radio) {
      radio.addEventListener("change", markEmail);
    });
    markEmail();
  }
})();
