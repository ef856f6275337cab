/*
 * The import page: when the check found invalid rows, Import stays disabled until
 * "Skip the invalid rows" is ticked (the server refuses the import anyway).
 */
(function () {
  "use strict";

  function start() {
    var skip = document.getElementById("skip-invalid");
    var button = document.getElementById("import-button");
    if (!skip || !button) return;
    var follow = function () { button.disabled = !skip.checked; };
    skip.addEventListener("change", follow);
    follow();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
