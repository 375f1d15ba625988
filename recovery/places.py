"""What a place reads as in a person's language: "Shanghai, China" / "中国上海", never "CN".

Country names come from Babel's CLDR territory names (flask-babel already brings Babel), so every ISO 3166 code
has a maintained name in both languages. City names come from the geo database in English only (MaxMind's
`en` name) and are shown as they are. Below every capability: detection's sign-ins and devices and the account
holder's history all name places through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError


@lru_cache(maxsize=8)
def _territories(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return dict(Locale.parse("en").territories)


def country_name(code: str | None, locale: str) -> str | None:
    """"GB" -> "United Kingdom" (en) / "英国" (zh_Hans); None for no code; an unknown code stays as it is."""
    if not code:
        return None
    code = code.upper()
    return _territories(locale).get(code, code)


def place_name(city: str | None, country: str | None, locale: str) -> str | None:
    """"Shanghai, China" in English; in Chinese largest first without a comma: "中国上海", or "中国 Shanghai" for
    a city the geo database names only in Latin letters. None when nothing is known."""
    name = country_name(country, locale)
    if locale.startswith("zh"):
        joiner = " " if city and city.isascii() else ""
        return joiner.join(part for part in (name, city) if part) or None
    return ", ".join(part for part in (city, name) if part) or None


@dataclass(frozen=True)
class PlaceName:
    """A place to name later, in the language of the page or email it lands in (emails are composed under the
    recipient's locale: recovery/web/messages.py::in_words names it); reads in English where nothing does."""

    city: str | None
    country: str | None

    def in_language(self, locale: str) -> str:
        return place_name(self.city, self.country, locale) or ""

    def __str__(self) -> str:
        return self.in_language("en")

    def __bool__(self) -> bool:
        return bool(self.city or self.country)
