/*
 * Copy buttons: <button data-copy="ID"> copies the text of the element ID, and says so
 * in the .copy-status element (its data-copied and data-selected hold the messages).
 * The buttons are hidden until this script shows them; the text itself stays selectable.
 * Where the clipboard is refused, the text is selected for the person to copy.
 */
(function () {
  "use strict";

  function start() {
    var status = document.querySelector(".copy-status");
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !status) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var select = function () {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          status.textContent = status.dataset.selected;
        };
        if (!navigator.clipboard) { select(); return; }
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          status.textContent = status.dataset.copied;
        }, select);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
