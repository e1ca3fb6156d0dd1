"""Helpers for the browser tests: devices, axe-core checks, keyboard checks, screenshots.

Everything here drives Debian's Chromium (never a downloaded browser) through Playwright's
sync API against pytest-django's live server.
"""

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The docs' screenshots are refreshed on request (SAVE_SCREENSHOTS=1 make test); an ordinary
# run writes them under var/ so that it leaves the working tree as it found it.
SCREENSHOT_DIR = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("SAVE_SCREENSHOTS") == "1"
    else Path(settings.BASE_DIR) / "var" / "screenshots"
)
# The WCAG 2.0 and 2.1 level A and AA rules: what the 2024 HHS Section 504 rule requires.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_PASSWORD = "portal-demo-2026"


@dataclass(frozen=True)
class Device:
    name: str
    width: int
    height: int
    is_mobile: bool = False

    def context_options(self) -> dict:
        return {
            "viewport": {"width": self.width, "height": self.height},
            "is_mobile": self.is_mobile,
            "has_touch": self.is_mobile,
            "device_scale_factor": 1,
        }


DESKTOP = Device("desktop", 1280, 800)
PHONE = Device("phone", 390, 844, is_mobile=True)
DEVICES = {device.name: device for device in (DESKTOP, PHONE)}


def chromium_executable() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("chromium")


@dataclass
class AxeLog:
    """What axe saw during the run, for the summary at the end of the session."""

    pages: list[tuple[str, str, int, int]] = field(default_factory=list)

    def record(self, *, url: str, device: str, rules_passed: int, violations: int) -> None:
        self.pages.append((url, device, rules_passed, violations))


AXE_LOG = AxeLog()
_AXE = Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:5]:
            target = ", ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def assert_accessible(page, *, device: Device) -> None:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page; fail listing every violation."""
    results = _AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations", "passes"],
        },
    ).response
    violations = results["violations"]
    if page.url.startswith("http"):
        AXE_LOG.record(
            url=_path_of(page.url),
            device=device.name,
            rules_passed=len(results["passes"]),
            violations=sum(len(v["nodes"]) for v in violations),
        )
    if violations:
        raise AssertionError(
            f"axe found {len(violations)} WCAG A/AA rule(s) broken on {_path_of(page.url)} "
            f"({device.name}):\n{format_violations(violations)}"
        )


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    # One-time invitation tokens stay out of logs, even test logs.
    path = re.sub(r"/invite/[^/]+/", "/invite/<token>/", parts.path)
    return path + (f"?{parts.query}" if parts.query else "")


def screenshot(page, name: str, *, device: Device) -> Path:
    """Save <name>-<device>.png (the whole page) in SCREENSHOT_DIR, for the README and docs."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}-{device.name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


# A radio group is one Tab stop (arrow keys move within it), so it has one key.
_FOCUS_KEY_JS = """
  const focusKey = el => el.type === 'radio'
    ? 'radio|' + el.name
    : el.tagName + '#' + el.id + '|' + (el.getAttribute('href') || el.getAttribute('name') || '')
      + '|' + Array.from(document.querySelectorAll(el.tagName)).indexOf(el);
"""

_FOCUS_STATE_JS = (
    """() => {"""
    + _FOCUS_KEY_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  // GOV.UK radios and checkboxes hide the native input and draw the focus ring on the
  // label's ::before box.
  const custom = el.matches('.govuk-radios__input, .govuk-checkboxes__input') && el.labels.length;
  const style = custom ? getComputedStyle(el.labels[0], '::before') : getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor,
    boxShadow: style.boxShadow,
    key: focusKey(el),
  };
}"""
)

_FOCUSABLE_JS = (
    """() => {"""
    + _FOCUS_KEY_JS
    + """
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  return Array.from(document.querySelectorAll(selector))
    .filter(el => {
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const hidden = el.closest('[hidden], [inert]') || style.visibility === 'hidden' || style.display === 'none';
      // The skip link is visually hidden until focused but is focusable on purpose.
      return !hidden && el.tabIndex >= 0 && (rect.width > 0 || el.classList.contains('govuk-skip-link'));
    })
    .map(focusKey)
    .filter((key, index, keys) => keys.indexOf(key) === index);
}"""
)


def _has_visible_focus_indicator(state: dict) -> bool:
    """GOV.UK focus styles: a yellow outline, or a yellow background plus a box-shadow."""
    transparent = ("transparent", "rgba(0, 0, 0, 0)")
    outline = (
        state["outlineStyle"] not in ("none", "hidden")
        and state["outlineWidth"] >= 2
        and state["outlineColor"] not in transparent
    )
    shadow = state["boxShadow"] not in ("none", "")
    return outline or shadow


def focus_top_of_page(page) -> None:
    """Start the next Tab from the top of the page, as after loading it.

    blur() alone is not enough: the browser remembers where focus (or a click) last was and
    carries on from there.
    """
    page.evaluate(
        """() => {
          const body = document.body;
          body.setAttribute('tabindex', '-1');
          body.focus({preventScroll: true});
          body.removeAttribute('tabindex');
          window.scrollTo(0, 0);
        }"""
    )


def tab_through(page, *, max_steps: int | None = None) -> list[dict]:
    """Press Tab from the top of the page until focus leaves the page or comes back round.

    Fails if any stop has no visible focus indicator. Returns the stops in order.
    """
    focus_top_of_page(page)
    expected = page.evaluate(_FOCUSABLE_JS)
    limit = max_steps or len(expected) + 10
    stops: list[dict] = []
    seen = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUS_STATE_JS)
        if state is not None and stops and state["key"] == stops[-1]["key"]:
            # A date input takes one Tab per part (month, day, year).
            continue
        if state is None or state["key"] in seen:
            break
        seen.add(state["key"])
        stops.append(state)
        assert _has_visible_focus_indicator(state), (
            f"No visible focus style on <{state['tag']}> {state['text']!r} at {_path_of(page.url)}: "
            f"outline {state['outlineStyle']} {state['outlineWidth']}px {state['outlineColor']}, "
            f"box-shadow {state['boxShadow']}"
        )
    missed = [key for key in expected if key not in seen]
    if max_steps is None:
        assert not missed, f"Tab never reached these controls on {_path_of(page.url)}: {missed}"
    return stops


def assert_no_horizontal_scroll(page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], (
        f"The page scrolls sideways at {_path_of(page.url)}: content {widths['scroll']}px wide "
        f"in a {widths['client']}px window"
    )


def give_authenticator(user) -> str:
    """Enrol a TOTP authenticator for a staff user, as they would on the MFA page."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def log_in(page, *, email: str, password: str, totp_secret: str | None = None) -> None:
    """Log in through the real form, answering the two-step code page for staff."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main form").get_by_role("button").first.click()
    page.wait_for_load_state()
    if "/2fa/" in page.url and totp_secret:
        page.locator("input[name=code]").fill(totp_code(totp_secret))
        page.locator("main form").get_by_role("button").first.click()
        page.wait_for_load_state()
