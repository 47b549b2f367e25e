// "Copy" buttons: <button data-copy="#input-id" data-copied="Copied" hidden>. Without this
// script the buttons stay hidden and the text is in a read-only box to select by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    var label = button.querySelector("span") || button;
    var original = label.textContent;  // read once: a second tap while it says "Copied" keeps it
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        label.textContent = button.getAttribute("data-copied") || original;
        clearTimeout(timer);
        timer = setTimeout(function () { label.textContent = original; }, 2000);
      });
    });
  });
})();
