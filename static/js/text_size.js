// Text-size buttons (templates/includes/text_size.html). Without JavaScript they post the
// form and the page reloads at the new size; with it, the choice is saved in the background
// so the reader keeps their place and focus stays on the button they pressed.
const SIZES = ["standard", "large", "larger"];

for (const form of document.querySelectorAll("[data-text-size-form]")) {
  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button || button.name !== "text_size") {
      return;
    }
    event.preventDefault();
    const size = button.value;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form, button),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
    } catch {
      response = null;
    }
    if (!response || response.status !== 204) {
      // Let the server answer the ordinary way (it shows the message on the page).
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = size;
      form.append(field);
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    for (const name of SIZES) {
      document.body.classList.toggle(`portal-text-${name}`, name === size);
    }
    for (const other of form.querySelectorAll("button[name=text_size]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    const status = form.querySelector("[data-text-size-status]");
    const label = document.getElementById("text-size-label");
    if (status && label) {
      status.textContent = `${label.textContent}: ${button.textContent}`;
    }
  });
}
