// "Listen": the browser reads a reading section aloud (issue 23). Progressive enhancement:
// the buttons are hidden in the HTML and shown only where speechSynthesis exists, so the
// page reads the same without it. The voice speaks the section's language (its lang
// attribute, else the page's <html lang>). One section speaks at a time.

const synth = "speechSynthesis" in window ? window.speechSynthesis : null;
const BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, dt, dd, th, td, figcaption, blockquote";
let current = null; // the [data-listen] box whose section is speaking

function sectionOf(box) {
  return box.closest("section") || box.parentElement;
}

// The words of the section, one piece per block (heading, paragraph, list item), without
// the Listen buttons themselves or text hidden from sight. Short pieces also keep Chrome
// from cutting a long utterance off part way.
function piecesOf(section) {
  const copy = section.cloneNode(true);
  for (const skip of copy.querySelectorAll("[data-listen], .govuk-visually-hidden, [hidden], [aria-hidden='true']")) {
    skip.remove();
  }
  const leaves = Array.from(copy.querySelectorAll(BLOCKS)).filter((el) => !el.querySelector(BLOCKS));
  const texts = (leaves.length ? leaves : [copy]).map((el) => el.textContent.replace(/\s+/g, " ").trim());
  return texts.filter(Boolean);
}

function languageOf(section) {
  const owner = section.closest("[lang]");
  return (owner && owner.lang) || document.documentElement.lang || "";
}

function show(box, state) {
  const visible = {
    idle: ["play"],
    playing: ["pause", "stop"],
    paused: ["resume", "stop"],
  }[state];
  for (const button of box.querySelectorAll("[data-listen-action]")) {
    button.hidden = !visible.includes(button.dataset.listenAction);
  }
  box.dataset.listenState = state;
}

function announce(box, key) {
  const status = box.querySelector("[data-listen-status]");
  if (status) {
    status.textContent = status.dataset[key] || "";
  }
}

function focusOn(box, action) {
  const button = box.querySelector(`[data-listen-action="${action}"]`);
  if (button && !button.hidden) {
    button.focus();
  }
}

function stop(box, { quiet = false } = {}) {
  if (current === box) {
    current = null;
  }
  synth.cancel();
  show(box, "idle");
  if (!quiet) {
    announce(box, "stopped");
  }
}

function play(box) {
  if (current && current !== box) {
    stop(current, { quiet: true });
  }
  synth.cancel();
  const section = sectionOf(box);
  const lang = languageOf(section);
  const pieces = piecesOf(section);
  current = box;
  pieces.forEach((text, index) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = lang;
    if (index === pieces.length - 1) {
      utterance.addEventListener("end", () => {
        if (current === box) {
          current = null;
          show(box, "idle");
        }
      });
    }
    utterance.addEventListener("error", () => {
      if (current === box) {
        current = null;
        show(box, "idle");
      }
    });
    synth.speak(utterance);
  });
  show(box, "playing");
  announce(box, "playing");
}

function setUp(root) {
  for (const box of root.querySelectorAll("[data-listen]")) {
    box.hidden = false;
    show(box, "idle");
  }
}

if (synth) {
  setUp(document);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-listen-action]");
    const box = button && button.closest("[data-listen]");
    if (!box) {
      return;
    }
    const action = button.dataset.listenAction;
    if (action === "play") {
      play(box);
      focusOn(box, "pause");
    } else if (action === "pause") {
      synth.pause();
      show(box, "paused");
      announce(box, "paused");
      focusOn(box, "resume");
    } else if (action === "resume") {
      synth.resume();
      show(box, "playing");
      announce(box, "playing");
      focusOn(box, "pause");
    } else if (action === "stop") {
      stop(box);
      focusOn(box, "play");
    }
  });
  // htmx swaps in the next section: the old one stops speaking, the new one gets its buttons.
  document.body.addEventListener("htmx:beforeSwap", () => {
    if (current) {
      current = null;
      synth.cancel();
    }
  });
  document.body.addEventListener("htmx:afterSwap", () => setUp(document));
  window.addEventListener("pagehide", () => synth.cancel());
}
