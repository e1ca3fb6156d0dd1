"""The time-zone choices on the settings page: the common zones of the person's country first,
then every zone the server knows.

The country comes from the zone the person has now, through the tz database's own table
(zone.tab, shipped in the tzdata package this project already depends on). No extra
library, and the table is read once per process.
"""

import zoneinfo
from functools import cache
from importlib import resources

from django.utils.translation import gettext_lazy as _

# The zones most people in the United States live in, in plain words; every other country
# gets its zones from zone.tab, with the table's own description.
US_COMMON = {
    "America/New_York": _("Eastern time"),
    "America/Chicago": _("Central time"),
    "America/Denver": _("Mountain time"),
    "America/Phoenix": _("Mountain time without daylight saving (most of Arizona)"),
    "America/Los_Angeles": _("Pacific time"),
    "America/Anchorage": _("Alaska time"),
    "Pacific/Honolulu": _("Hawaii time"),
    "America/Puerto_Rico": _("Atlantic time (Puerto Rico)"),
}
# Puerto Rico is its own country in zone.tab; its patients see the US list too.
_SAME_LIST = {"PR": "US"}


@cache
def _zone_table() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """zone -> country code, and country code -> [(zone, description)] in the table's order."""
    country_of: dict[str, str] = {}
    zones_of: dict[str, list[tuple[str, str]]] = {}
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return country_of, zones_of
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        code, zone = parts[0], parts[2]
        country_of[zone] = code
        zones_of.setdefault(code, []).append((zone, parts[3] if len(parts) > 3 else ""))
    return country_of, zones_of


@cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def common_zones(current: str) -> list[tuple[str, str]]:
    """[(zone, label)] for the country of `current`; empty when the country is not known."""
    country_of, zones_of = _zone_table()
    country = country_of.get(current, "")
    country = _SAME_LIST.get(country, country)
    if country == "US":
        return [(zone, f"{words} – {zone}") for zone, words in US_COMMON.items()]
    return [
        (zone, f"{zone} – {words}" if words else zone) for zone, words in zones_of.get(country, [])
    ]


def time_zone_choices(current: str) -> list:
    """Choices for a select: a group of the country's common zones, then all zones A to Z."""
    common = common_zones(current)
    shown = {zone for zone, _label in common}
    everything = [(zone, zone) for zone in _all_zones() if zone not in shown]
    if not common:
        return [(_("All time zones"), everything)]
    return [(_("Common in your country"), common), (_("All time zones"), everything)]
