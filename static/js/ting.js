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
  // Parts marked data-live-update (a mailing's progress, the counts at a check-in door) are
  // read again every few seconds (the attribute's value in milliseconds, else 2000) from the
  // page, or from the plainer page of the first part's data-live-url (the check-in page
  // without the search it shows, which would be run and logged again), until the page no
  // longer marks them; when a part is gone (the mailing moved on to its next state) the
  // whole page is loaded again. Without this file a reload does it.
  const live = Array.from(document.querySelectorAll("[data-live-update][id]"));
  if (live.length) {
    const every = Number(live[0].dataset.liveUpdate) || 2000;
    const source = live[0].dataset.liveUrl || window.location.href;
    const refresh = async () => {
      // Marked as a poll: it is not the staff member's activity, so their session still ends
      // after a while without any (accounts/access.py).
      const response = await fetch(source, { credentials: "same-origin", headers: { "X-Ting-Poll": "1" } })
        .catch(() => null);
      if (!response || !response.ok) {
        window.setTimeout(refresh, 10000);  // the network or the server is down for a moment
        return;
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = live.map((part) => page.getElementById(part.id));
      if (fresh.some((part) => !part)) {
        window.location.reload();
        return;
      }
      live.forEach((part, index) => {
        // Unchanged parts are left alone: a screen reader would read a status out again.
        if (part.innerHTML !== fresh[index].innerHTML) part.innerHTML = fresh[index].innerHTML;
      });
      if (fresh.some((part) => part.hasAttribute("data-live-update"))) window.setTimeout(refresh, every);
    };
    window.setTimeout(refresh, every);
  }
  // Move focus to the error summary so that screen-reader users hear what to correct.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
