// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The print button makes sense only where a script can open the print dialog.
  const print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
  }
  const copy = document.getElementById("copy-link");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(window.location.href).then(() => { copy.textContent = copy.dataset.done || copy.textContent; });
    });
  }
  const question = document.querySelector("form.question");
  if (question) {
    // The browser's Back button returns to this page's address: before leaving, record the answer in that
    // address (as the page's own Back link does), so Back shows the question with the answer given.
    question.addEventListener("submit", (event) => {
      const data = new FormData(question);
      const field = question.dataset.field;
      const params = new URLSearchParams();
      const skipped = event.submitter && event.submitter.name === "skip";
      for (const [name, value] of data.entries()) {
        if (name === "q" || name === "then" || typeof value !== "string") continue;
        if (name === field && skipped) continue;
        params.append(name, value);
      }
      if (skipped) params.append(field, "unknown");
      if (!params.has(field)) return;  // nothing given: the server asks again
      params.append("edit", field);
      history.replaceState(history.state, "", "/consult?" + params.toString());
    });
    // Put the cursor where the answer goes, unless an error message needs reading first.
    if (!document.getElementById("error")) {
      const first = question.querySelector("input[type=text], input[type=number], input:checked, input[type=radio], input[type=checkbox]");
      if (first) first.focus({ preventScroll: true });
    }
  }
});
