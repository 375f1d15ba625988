"""Tickets fixtures: the shared people (tests/people.py) who also read tickets back, and the codes and links read
from the outbox as a requester would read their mail."""

from __future__ import annotations

import re

import pytest
from people import People, get

from recovery.tickets.models import Ticket

STATUS_LINK = re.compile(r"https?://[^\s\"<>]+/appeal/status/([0-9]+\.[0-9a-f]+)")
CANCEL_LINK = re.compile(r"https?://[^\s\"<>]+/recover/cancel/([0-9]+\.[0-9a-f]+)")


class TicketPeople(People):
    """The shared people, and the tickets they open read back fresh."""

    def ticket(self, ticket_id: int) -> Ticket:
        return get(self.app, Ticket, ticket_id)


@pytest.fixture
def people(app, services, client) -> TicketPeople:
    return TicketPeople(app, services, client)


def text_of(message) -> str:
    return message.payload["text"]


def status_token_in(message) -> str:
    match = STATUS_LINK.search(text_of(message))
    assert match, "no status link in the email"
    return match.group(1)


def cancel_token_in(message) -> str:
    match = CANCEL_LINK.search(text_of(message))
    assert match, "no cancel link in the email"
    return match.group(1)
