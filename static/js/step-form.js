/*
 * The playbook step form shows the settings of the kind of step chosen only. Without
 * JavaScript every kind's settings show, each under its own legend, and those of the
 * other kinds are ignored when saved.
 */
(function () {
  "use strict";

  function follow(select) {
    document.querySelectorAll("[data-step-kind]").forEach(function (fieldset) {
      fieldset.hidden = fieldset.dataset.stepKind !== select.value;
    });
  }

  function start() {
    var select = document.getElementById("id_kind");
    if (!select) return;
    follow(select);
    select.addEventListener("change", function () { follow(select); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
