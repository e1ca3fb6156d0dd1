// Reading pages. Everything here is an enhancement: the pages work without JavaScript.

// After htmx swaps in the next section, tell assistive technology where we are: update the
// page title and move focus to the new section's heading.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const panel = document.getElementById("reading-panel");
  if (!panel || !panel.contains(event.detail.elt)) {
    return;
  }
  if (panel.dataset.pageTitle) {
    document.title = panel.dataset.pageTitle;
  }
  const heading = document.getElementById("section-title");
  if (heading) {
    heading.focus({ preventScroll: true });
  }
});

// The printable page: offer a Print button instead of the hint to use the browser's menu.
for (const button of document.querySelectorAll("[data-portal-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
  for (const hint of document.querySelectorAll("[data-portal-print-hint]")) {
    hint.hidden = true;
  }
}
