// Small progressive enhancements; every page works without them (no inline script: CSP).
"use strict";

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// Large text (适老化) on the phone pages: the choice is a cookie, so the server renders it on
// the next page without a flash; the button appears only with JavaScript (browser zoom remains).
document.querySelectorAll("[data-large-text]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => {
    const on = document.documentElement.classList.toggle("large-text");
    button.setAttribute("aria-pressed", String(on));
    document.cookie = `large_text=${on ? 1 : 0}; path=/; max-age=31536000; SameSite=Lax`;
  });
});
