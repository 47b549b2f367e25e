// Copy buttons beside what a shopper types into a banking app (account number, amount,
// transfer note). Without this script the buttons stay hidden and the text is selectable.
(function () {
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var idle = button.querySelector("[data-copy-label]");
    var done = button.querySelector("[data-copied-label]");
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        idle.hidden = true;
        done.hidden = false;
        button.classList.add("is-copied");
        clearTimeout(timer);
        timer = setTimeout(function () {
          idle.hidden = false;
          done.hidden = true;
          button.classList.remove("is-copied");
        }, 2500);
      }).catch(function () { /* permission refused: the text is still there to select */ });
    });
  });
})();
