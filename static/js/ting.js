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
  // A part marked data-live-update (a mailing's progress) is read again from the page every
  // few seconds until the page no longer marks it; when the part is gone (the mailing moved
  // on to its next state) the whole page is loaded again. Without this file a link does it.
  const live = document.querySelector("[data-live-update][id]");
  if (live) {
    const refresh = async () => {
      // Marked as a poll: it is not the staff member's activity, so their session still ends
      // after a while without any (accounts/access.py).
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { "X-Ting-Poll": "1" } })
        .catch(() => null);
      if (!response || !response.ok) {
        window.setTimeout(refresh, 10000);  // the network or the server is down for a moment
        return;
      }
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(live.id);
      if (!fresh) {
        window.location.reload();
        return;
      }
      live.innerHTML = fresh.innerHTML;
      if (fresh.hasAttribute("data-live-update")) window.setTimeout(refresh, 2000);
    };
    window.setTimeout(refresh, 2000);
  }
  // Move focus to the error summary so that screen-reader users hear what to correct.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
