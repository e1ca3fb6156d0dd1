// Warn two minutes before the idle timeout ends the session, and offer to stay logged in.
//
// The server decides: apps.accounts.middleware.SessionIdleTimeoutMiddleware logs out after
// <body data-idle-minutes> minutes without a request. This script only asks the server how
// long is left (which does not count as activity), shows the dialog in
// templates/usersessions/timeout_warning.html, and pings keep-alive when asked to.
// Without JavaScript nothing here runs and the server still logs out on time.

const WARNING_SECONDS = 120;
const RETRY_SECONDS = 2;

const dialog = document.getElementById("session-timeout-dialog");
const idleMinutes = Number.parseInt(document.body.dataset.idleMinutes || "", 10);

let checkTimer = null;
let tickTimer = null;
let deadline = 0;
let shownText = "";

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function schedule(secondsLeft) {
  window.clearTimeout(checkTimer);
  const wait = Math.max(RETRY_SECONDS, secondsLeft - WARNING_SECONDS);
  checkTimer = window.setTimeout(check, wait * 1000);
}

function loggedOut() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`${dialog.dataset.loginUrl}?next=${encodeURIComponent(next)}`);
}

async function secondsLeft() {
  const response = await fetch(dialog.dataset.statusUrl, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok) {
    throw new Error(`status ${response.status}`);
  }
  const data = await response.json();
  return data.authenticated ? data.seconds_left : -1;
}

function countdownText(left) {
  let template;
  if (left >= 90) {
    template = dialog.querySelector("template[data-countdown-minutes]");
    return template.content.textContent.trim().replace("__N__", String(Math.round(left / 60)));
  }
  if (left >= 60) {
    template = dialog.querySelector("template[data-countdown-minute]");
  } else {
    template = dialog.querySelector("template[data-countdown-seconds]");
  }
  return template.content.textContent.trim();
}

function showCountdown() {
  const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
  const text = countdownText(left);
  // Screen readers hear the live region only when the sentence changes, not every second.
  if (text !== shownText) {
    dialog.querySelector("[data-countdown]").textContent = text;
    shownText = text;
  }
  if (left <= 0) {
    window.clearInterval(tickTimer);
    check();
  }
}

function warn(left) {
  // The live region exists only while the warning shows, so it never competes with the page's own.
  const countdown = dialog.querySelector("[data-countdown]");
  countdown.setAttribute("aria-live", "polite");
  countdown.setAttribute("aria-atomic", "true");
  deadline = Date.now() + left * 1000;
  shownText = "";
  showCountdown();
  if (!dialog.open) {
    dialog.showModal();
  }
  window.clearInterval(tickTimer);
  tickTimer = window.setInterval(showCountdown, 1000);
}

function closeWarning() {
  window.clearInterval(tickTimer);
  dialog.querySelector("[data-countdown]").removeAttribute("aria-live");
  if (dialog.open) {
    dialog.close();
  }
}

async function check() {
  let left;
  try {
    left = await secondsLeft();
  } catch {
    // The network dropped for a moment: ask again shortly rather than guess.
    schedule(WARNING_SECONDS + RETRY_SECONDS * 5);
    return;
  }
  if (left < 0) {
    loggedOut();
  } else if (left === 0) {
    // The server has not ended the session yet; it will on the next request.
    window.setTimeout(check, RETRY_SECONDS * 1000);
  } else if (left > WARNING_SECONDS + 5) {
    // Activity in another tab moved the clock on.
    closeWarning();
    schedule(left);
  } else {
    warn(left);
  }
}

async function stayLoggedIn() {
  try {
    const response = await fetch(dialog.dataset.keepAliveUrl, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401 || response.status === 403) {
      loggedOut();
      return;
    }
    const data = await response.json();
    closeWarning();
    schedule(data.seconds_left);
  } catch {
    check();
  }
}

if (dialog && idleMinutes > 0) {
  dialog.querySelector("[data-stay-logged-in]").addEventListener("click", stayLoggedIn);
  // Escape closes the dialog; treat it as "stay logged in" so the person is not surprised.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stayLoggedIn();
  });
  schedule(idleMinutes * 60);
}
