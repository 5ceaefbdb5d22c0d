// Progressive enhancement only: the page works the same with JavaScript off.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  var button = document.getElementById("check-button");
  if (!form || !button) { return; }
  var label = button.textContent;
  form.addEventListener("submit", function (event) {
    // Say that the check is running (the language buttons re-submit silently).
    if (event.submitter && event.submitter !== button) { return; }
    button.setAttribute("aria-busy", "true");
    button.textContent = button.getAttribute("data-busy") || button.textContent;
  });
  // Coming back with the browser's back button: the button is usable again.
  window.addEventListener("pageshow", function () {
    button.removeAttribute("aria-busy");
    button.textContent = label;
  });
})();
