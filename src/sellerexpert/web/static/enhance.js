// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The print button makes sense only where a script can open the print dialog.
  const print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
  }
  // Put the cursor where the answer goes, unless an error message needs reading first.
  const question = document.querySelector("form.question");
  if (question && !document.getElementById("error")) {
    const first = question.querySelector("input[type=text], input[type=number], input:checked, input[type=radio], input[type=checkbox]");
    if (first) first.focus({ preventScroll: true });
  }
});
