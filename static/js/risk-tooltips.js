/*
 * Risk badges: <button data-risk-parts="ID"> shows the parts of its risk score, the
 * content of <template id="ID">, in a tooltip on hover and on keyboard focus; Escape
 * hides it. Badges that htmx swaps in get theirs too.
 */
(function () {
  "use strict";

  function badges(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-risk-parts]"));
    if (root.matches && root.matches("[data-risk-parts]")) found.push(root);
    return found;
  }

  function start(root) {
    if (!window.bootstrap) return;
    badges(root).forEach(function (badge) {
      var parts = document.getElementById(badge.dataset.riskParts);
      if (!parts || window.bootstrap.Tooltip.getInstance(badge)) return;
      new window.bootstrap.Tooltip(badge, {
        html: true,
        title: parts.innerHTML,
        placement: "right",
        customClass: "risk-tooltip",
      });
    });
  }

  function hideAll() {
    if (!window.bootstrap) return;
    badges(document).forEach(function (badge) {
      var tooltip = window.bootstrap.Tooltip.getInstance(badge);
      if (tooltip) tooltip.hide();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    start(document);
    document.body.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
    // Rows about to be replaced take their tooltips with them.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      badges(event.detail.target).forEach(function (badge) {
        var tooltip = window.bootstrap && window.bootstrap.Tooltip.getInstance(badge);
        if (tooltip) tooltip.dispose();
      });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hideAll();
  });
})();
