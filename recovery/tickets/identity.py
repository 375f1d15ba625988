"""Checking a recovery requester's answers against the account's own records; each shown matched or not.

Known devices are the user agents of the account's past sessions; sign-in places and times come from its
security events and sessions. Nothing here decides: an agent weighs the results, and a match is only as
strong as what an attacker could not have learned.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol

from recovery.accounts.models import User
from recovery.context import ServiceContext
from recovery.events.service import recent_events_for_user
from recovery.sessions.service import recent_sessions

QUESTIONS = ("last_signin_place", "last_signin_date", "devices", "recent_activity")
# Words a person uses for a device, in both languages, and the user-agent fragments that show it.
DEVICE_WORDS = {
    "iphone": ("iphone",), "ipad": ("ipad",), "android": ("android", "安卓"),
    "windows": ("windows", "win10", "win11", "视窗"), "mac": ("mac", "macbook", "macos", "苹果电脑"),
    "linux": ("linux", "ubuntu"), "chrome": ("chrome", "谷歌浏览器"), "firefox": ("firefox", "火狐"),
    "safari": ("safari",), "edge": ("edge",), "opera": ("opera",),
}
UA_MARKERS = {"iphone": "iphone", "ipad": "ipad", "android": "android", "windows": "windows",
              "mac": "macintosh", "linux": "linux", "chrome": "chrome/", "firefox": "firefox/",
              "safari": "safari/", "edge": "edg", "opera": "opr/"}
_HISTORY = 200


def _families(text: str) -> set[str]:
    text = text.casefold()
    return {family for family, words in DEVICE_WORDS.items() if any(word in text for word in words)}


def _ua_families(user_agent: str) -> set[str]:
    agent = user_agent.casefold()
    families = {family for family, marker in UA_MARKERS.items() if marker in agent}
    if "chrome" in families or "edge" in families:
        families.discard("safari")  # Chrome and Edge carry "Safari/" in their user agent too
    if "android" in families:
        families.discard("linux")
    return families


def devices_match(answer: str, user_agents: list[str]) -> bool:
    """Every device word in the answer fits one known user agent (e.g. "iPhone Safari")."""
    wanted = _families(answer)
    return bool(wanted) and any(wanted <= _ua_families(agent) for agent in user_agents)


def place_matches(answer: str, places: list[str]) -> bool:
    answer = answer.strip().casefold()
    if len(answer) < 2:
        return False
    try:
        ipaddress.ip_address(answer)
        return answer in places
    except ValueError:
        pass
    return any(place and (answer == place or answer in place or place in answer) for place in places
               if len(place) >= 2)


def date_matches(answer: str, signins: list[datetime], *, slack: timedelta = timedelta(days=1)) -> bool:
    try:
        day = date.fromisoformat(answer.strip())
    except ValueError:
        return False
    return any(abs(signed_in.date() - day) <= slack for signed_in in signins)


class _Located(Protocol):
    """What _places reads of a security event."""

    @property
    def ip(self) -> str | None: ...

    @property
    def details(self) -> dict | None: ...


def _places(events: Iterable[_Located]) -> list[str]:
    places: set[str] = set()
    for event in events:
        if event.ip:
            places.add(event.ip)
        for key in ("country", "country_name", "city", "region", "place"):
            value = (event.details or {}).get(key)
            if isinstance(value, str) and value.strip():
                places.add(value.strip().casefold())
    return sorted(places)


def check_identity(ctx: ServiceContext, user: User | None, answers: dict[str, str]) -> list[dict]:
    """[{question, answer, matched}] for each answer given; with no account, nothing matches."""
    sessions = recent_sessions(ctx, user.id, limit=_HISTORY) if user else []
    events = recent_events_for_user(ctx, user.id, limit=_HISTORY) if user else []
    checkers = {
        "last_signin_place": lambda a: place_matches(a, _places(events)),
        "last_signin_date": lambda a: date_matches(a, [s.created_at for s in sessions]),
        "devices": lambda a: devices_match(a, [s.user_agent for s in sessions if s.user_agent]),
    }
    results = []
    for question in QUESTIONS:
        answer = (answers.get(question) or "").strip()
        if not answer:
            continue
        checker = checkers.get(question)
        results.append({"question": question, "answer": answer[:200],
                        "matched": bool(user and checker and checker(answer)),
                        "checked": checker is not None})
    return results
