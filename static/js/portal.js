// Start the GOV.UK Frontend components. Loaded as a module: no inline scripts (CSP).
import { initAll } from "/static/vendor/govuk-frontend-6.6.0/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// htmx sends Django's CSRF token with every request it makes.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
