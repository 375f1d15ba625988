"""What a device reads as ("Chrome 124 · Windows 10"): the one name a browser gets on every page and email
(sessions, known devices, sign-ins, the account holder's history, the staff timeline), never its raw
user-agent string. Detection's device signals and the event history both use it, so it sits below both."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

_MAX_UA = 512


@lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str) -> tuple[str | None, str | None]:
    """("Chrome 124", "Windows 10") from a user agent, with ua-parser's maintained regexes."""
    result = parse(user_agent[:_MAX_UA])
    browser = _versioned(result.user_agent.family, result.user_agent.major) if result.user_agent else None
    os = _versioned(result.os.family, result.os.major) if result.os else None
    return browser, os


def device_name(browser: str | None, os: str | None) -> str | None:
    """"Chrome 124 · Windows 10" from the parsed parts; None when neither is known (the page says "Unknown
    device" in its language)."""
    return " · ".join(part for part in (browser, os) if part) or None


def device_of(user_agent: str | None) -> str | None:
    """The device name of a raw user-agent string; None when it names no browser or system we recognise."""
    if not user_agent:
        return None
    return device_name(*parse_user_agent(user_agent))


def _versioned(family: str | None, major: str | None) -> str | None:
    if not family or family == "Other":
        return None
    return f"{family} {major}"[:64] if major else family[:64]
