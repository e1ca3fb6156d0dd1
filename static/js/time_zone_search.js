// The time-zone list on the settings page gets a search box above it (issue 23). The list
// works without this file: it is a plain <select>, and typing in it jumps to a zone.
// Options that do not match are hidden; the one chosen now always stays, so nothing the
// person picked is lost. A polite status says how many zones match.

function normalise(text) {
  return text.toLowerCase().replace(/_/g, " ").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

function setUp(select) {
  const group = select.closest(".govuk-form-group") || select.parentElement;
  const id = `${select.id}-search`;
  const label = document.createElement("label");
  label.className = "govuk-label";
  label.htmlFor = id;
  label.textContent = select.dataset.searchLabel;
  const hint = document.createElement("div");
  hint.className = "govuk-hint";
  hint.id = `${id}-hint`;
  hint.textContent = select.dataset.searchHint;
  const input = document.createElement("input");
  input.type = "search";
  input.id = id;
  input.className = "govuk-input govuk-!-width-two-thirds";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("aria-describedby", hint.id);
  input.setAttribute("aria-controls", select.id);
  const status = document.createElement("p");
  status.className = "govuk-visually-hidden";
  status.setAttribute("role", "status");
  const box = document.createElement("div");
  box.className = "portal-time-zone-search";
  box.append(label, hint, input, status);
  group.insertBefore(box, group.firstChild);

  const options = Array.from(select.options).map((option) => ({
    option,
    words: normalise(`${option.value} ${option.text}`),
  }));
  let timer = null;
  input.addEventListener("input", () => {
    const wanted = normalise(input.value.trim());
    let found = 0;
    for (const { option, words } of options) {
      const match = !wanted || words.includes(wanted);
      option.hidden = !match && !option.selected;
      if (match) {
        found += 1;
      }
    }
    for (const optgroup of select.querySelectorAll("optgroup")) {
      optgroup.hidden = !Array.from(optgroup.children).some((option) => !option.hidden);
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      status.textContent = wanted ? select.dataset.searchFound.replace("%(count)s", String(found)) : "";
    }, 500);
  });
}

for (const select of document.querySelectorAll("select[data-time-zone]")) {
  setUp(select);
}
