""".env.example documents every setting the portal reads from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_FROM_ENV = re.compile(r"""env\.(?:str|int|bool|list|db|float)\(\s*["']([A-Z0-9_]+)["']""")
ENV_GET = re.compile(r"""os\.environ\.get\(\s*["']([A-Z0-9_]+)["']""")


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_read_from_the_environment_is_in_env_example():
    names = set()
    for path in [*(ROOT / "portal").rglob("*.py"), *(ROOT / "apps").rglob("*.py")]:
        names |= set(READ_FROM_ENV.findall(path.read_text()))
    names |= set(ENV_GET.findall((ROOT / "gunicorn.conf.py").read_text()))
    assert names, "no settings found: the pattern is wrong"
    missing = sorted(names - documented())
    assert not missing, f"add these to .env.example: {missing}"
