/*
 * The campaign form shows the schedule fields of the choice made only: the date and time
 * to send at, and the number of working days to spread over. Without JavaScript they all
 * show, and those of the other choices are ignored when saved.
 */
(function () {
  "use strict";

  function follow(form) {
    var chosen = form.querySelector('input[name="schedule"]:checked');
    var value = chosen ? chosen.value : "now";
    form.querySelectorAll("[data-schedule]").forEach(function (part) {
      part.hidden = part.dataset.schedule.split(" ").indexOf(value) === -1;
    });
  }

  function start() {
    var form = document.getElementById("campaign-form");
    if (!form) return;
    follow(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "schedule") follow(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
