"""ServiceContext: what a domain operation needs (session, clock, tokens, settings, who acts), built at a boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from recovery.clock import Clock
from recovery.passwords import PasswordHasher
from recovery.settings import Settings
from recovery.tokens import Tokens


@dataclass(frozen=True)
class Actor:
    """Who performs an action and from where; recorded with every security event."""

    type: str = "system"  # "user", "staff" or "system"
    id: int | None = None
    ip: str | None = None
    user_agent: str | None = None

    def as_user(self, user_id: int) -> Actor:
        return Actor("user", user_id, self.ip, self.user_agent)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailComposer(Protocol):
    def __call__(self, template: str, locale: str, **context: object) -> RenderedEmail: ...


class LinkBuilder(Protocol):
    def __call__(self, endpoint: str, **values: object) -> str: ...


@dataclass
class ServiceContext:
    session: Session
    settings: Settings
    clock: Clock
    tokens: Tokens
    compose_email: EmailComposer
    link: LinkBuilder
    passwords: PasswordHasher
    actor: Actor = field(default_factory=Actor)
    locale: str = "en"
