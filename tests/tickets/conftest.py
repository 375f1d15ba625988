"""Tickets tests: their people are `TicketPeople` (helpers.people; tests/conftest.py `PEOPLE_BY_PACKAGE`), who also
read tickets back; the codes and links of the outbox's emails come from helpers.mail."""
