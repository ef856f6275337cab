/*
 * A form with data-confirm="Question?" asks that question before it is sent. Listening
 * on the document covers forms that htmx swaps in later. Without JavaScript the form is
 * sent at once, as the server-side checks do not rely on the question.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
