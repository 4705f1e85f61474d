// The view's only script (served from the app itself: the CSP allows no inline script).
// Without it every page still works: forms have a submit button, the recap is selectable.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Choosing another point in a select shows the page as of it at once.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      const status = button.parentElement.querySelector(".copied");
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "Copied.";
      } catch (e) {
        // No clipboard (an http page on another host): select it for Ctrl+C instead.
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = "Selected: press Ctrl+C to copy.";
      }
    });
  }
});
