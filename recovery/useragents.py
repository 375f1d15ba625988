"""What a user agent reads as ("Chrome 124", "Windows 10"): detection's device signals and the account
holder's event history both show it, so it sits below both."""

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


def _versioned(family: str | None, major: str | None) -> str | None:
    if not family or family == "Other":
        return None
    return f"{family} {major}"[:64] if major else family[:64]
