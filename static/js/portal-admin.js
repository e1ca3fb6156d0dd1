// Small fixes to the Django admin's own scripts (loaded by templates/admin/base_site.html).

// The filter_horizontal widget (Django's SelectFilter2.js) puts its help text, "Type into this
// box to filter down the list...", in an aria-label on a plain <span>: ARIA does not allow a
// label there, so screen readers may skip it. As an image, the magnifier icon may carry it,
// and the search box's <label> then reads it out. The widget builds itself on "load"; this
// runs once every "load" handler has.
function labelFilterIcons() {
  for (const icon of document.querySelectorAll(".search-label-icon[aria-label]:not([role])")) {
    icon.setAttribute("role", "img");
  }
}

window.addEventListener("load", () => setTimeout(labelFilterIcons, 0));
