// Progressive enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-once sends once: a double click must not register twice.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type=submit]").forEach((button) => {
        window.setTimeout(() => { button.disabled = true; }, 0);
      });
    });
  });
  // A page restored from the back/forward cache must not keep its buttons disabled.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      document.querySelectorAll("form[data-once] button[type=submit]").forEach((button) => { button.disabled = false; });
    }
  });
  // Move focus to the error summary so that screen-reader users hear what to correct.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
