"""The numbers of the reset flow, read once from Settings (extra keys override the defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from recovery.settings import Settings


@dataclass(frozen=True)
class ResetPolicy:
    token_lifetime: timedelta
    max_live_links: int  # a new link retires the oldest live ones beyond this
    per_email_limit: str  # requests naming one address; beyond it nothing is sent, the answer stays the same
    request_ip_limit: str  # requests from one IP; beyond it 429
    confirm_ip_limit: str  # submissions of the new-password form from one IP; beyond it 429


def reset_policy(settings: Settings) -> ResetPolicy:
    extra = settings.extra
    return ResetPolicy(
        token_lifetime=timedelta(minutes=settings.reset_token_minutes),
        max_live_links=int(extra.get("reset_max_live_links", 3)),
        per_email_limit=str(extra.get("reset_per_email_limit", "5 per hour")),
        request_ip_limit=str(extra.get("reset_request_ip_limit", "20 per hour")),
        confirm_ip_limit=str(extra.get("reset_confirm_ip_limit", "30 per hour")),
    )
