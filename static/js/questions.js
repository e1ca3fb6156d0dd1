// Question pages: a live character count under the question and reply boxes, and a tidier
// "which part" choice. Everything here is an extra: without it the limit is stated under
// the box and checked on the server, and the form works as plain HTML.

const ANNOUNCE_AFTER_MS = 1000;

// Count the way the server does (apps/questions/services.py): line breaks as one character,
// spaces at either end ignored, and characters rather than UTF-16 units, so an emoji is one.
function countCharacters(text) {
  return Array.from(text.replace(/\r\n?/g, "\n").trim()).length;
}

function setUpCounter(group) {
  const textarea = group.querySelector("textarea");
  const info = group.querySelector(".govuk-character-count__message");
  const max = Number(group.dataset.maxlength);
  if (!textarea || !info || !max) {
    return;
  }
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const hadServerError = textarea.classList.contains("govuk-textarea--error");

  // The visible count changes on every key; screen readers hear it only after a pause, as
  // in GOV.UK's own component, so typing is not drowned out. The original sentence ("You
  // can enter up to ...") stays as the box's description.
  const visible = document.createElement("div");
  visible.className = "govuk-hint govuk-character-count__status";
  visible.setAttribute("aria-hidden", "true");
  const spoken = document.createElement("div");
  spoken.className = "govuk-visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  info.classList.add("govuk-visually-hidden");
  info.after(visible, spoken);

  const describe = (count) => {
    const left = max - count;
    const amount = Math.abs(left);
    const key = (left < 0 ? "over" : "remaining") + (amount === 1 ? "One" : "Other");
    return (group.dataset[key] || "").replace("__N__", numbers.format(amount));
  };

  let timer;
  const update = (announce) => {
    const count = countCharacters(textarea.value);
    const tooMany = count > max;
    const message = describe(count);
    visible.textContent = message;
    visible.classList.toggle("govuk-error-message", tooMany);
    visible.classList.toggle("govuk-hint", !tooMany);
    textarea.classList.toggle("govuk-textarea--error", tooMany || hadServerError);
    window.clearTimeout(timer);
    if (announce) {
      timer = window.setTimeout(() => {
        spoken.textContent = message;
      }, ANNOUNCE_AFTER_MS);
    }
  };
  textarea.addEventListener("input", () => update(true));
  update(false);
}

// The list of parts belongs to the module the page was opened for. If the patient picks a
// different module, hide it and leave it out of the form rather than send a part that
// belongs to another module; picking the first module again brings it back.
function setUpPartChoice() {
  const subject = document.querySelector("[data-question-subject]");
  const part = document.querySelector("[data-question-part]");
  const partSelect = part && part.querySelector("select");
  if (!subject || !partSelect) {
    return;
  }
  const original = subject.value;
  subject.addEventListener("change", () => {
    const sameModule = subject.value === original && original !== "";
    part.hidden = !sameModule;
    partSelect.disabled = !sameModule;
  });
}

document.querySelectorAll("[data-question-counter]").forEach(setUpCounter);
setUpPartChoice();
