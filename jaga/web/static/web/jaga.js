// Jaga's page behaviour, without inline scripts or inline event handlers, so that the
// Content-Security-Policy can forbid them (script-src 'self'; issue 13 point 3).
// Listeners sit on the document, so content swapped in by htmx behaves the same.
//
// - <select data-submit-on-change>: choosing an option submits its form (language switch).
// - <form data-disable-on-submit>: its submit button is disabled once the form is sent,
//   so a double click does not send it twice.
"use strict";

document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof HTMLElement && field.matches("[data-submit-on-change]") && field.form) {
    field.form.submit();
  }
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.matches("[data-disable-on-submit]")) {
    var button = form.querySelector("[type=submit]");
    if (button) {
      button.disabled = true;
    }
  }
});
