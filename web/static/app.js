// Progressive enhancement only: the page works the same with JavaScript off
// (the summary is then in a text box at the end to copy by hand, and the
// browser's own print command prints the whole message).
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  var button = document.getElementById("check-button");
  if (form && button) {
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
  }

  // "Show it in the message": outline every highlighted piece of that evidence.
  function markCurrent() {
    var old = document.querySelectorAll("mark.current");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("current"); }
    var id = decodeURIComponent(location.hash.slice(1));
    if (!/^ev-\d+-\d+$/.test(id)) { return; }
    var marks = document.querySelectorAll("mark[data-ev]");
    for (var j = 0; j < marks.length; j++) {
      if ((" " + marks[j].getAttribute("data-ev") + " ").indexOf(" " + id + " ") >= 0) {
        marks[j].classList.add("current");
      }
    }
  }
  window.addEventListener("hashchange", markCurrent);
  markCurrent();

  var summary = document.getElementById("summary-text");
  var status = document.getElementById("copy-status");
  function say(text) { if (status) { status.textContent = text; } }

  var copy = document.getElementById("copy-summary");
  if (copy && summary) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = summary.value;
      function fallback() {
        var box = document.getElementById("summary-box");
        if (box) { box.open = true; }
        summary.focus();
        summary.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        say(copy.getAttribute(ok ? "data-done" : "data-failed"));
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          say(copy.getAttribute("data-done"));
        }, fallback);
      } else {
        fallback();
      }
    });
  }

  var share = document.getElementById("share-summary");
  if (share && summary && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: document.title, text: summary.value }).catch(function () {});
    });
  }

  // Printing shows every finding, folded or not.
  window.addEventListener("beforeprint", function () {
    var details = document.querySelectorAll("main details:not(.summary-box)");
    for (var i = 0; i < details.length; i++) { details[i].open = true; }
  });
  var print = document.getElementById("print-page");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
