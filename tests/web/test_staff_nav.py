"""The staff navigation shows each staff member only the console areas their role may open."""

import pytest
from flask import g

from recovery.accounts.models import User
from recovery.web.staff_nav import staff_links


def _links_for(app, role: str) -> list[str]:
    with app.test_request_context("/"):
        g.current_user = User(id=1, email="staff@example.com", role=role, status="active")
        return [href for _label, href in staff_links()]


def test_users_see_no_staff_navigation(app):
    assert _links_for(app, "user") == []


def test_agents_see_accounts_and_events_but_not_the_outbox(app):
    links = _links_for(app, "agent")
    assert "/staff/" in links and "/staff/events" in links
    assert "/staff/outbox" not in links


@pytest.mark.parametrize("role", ["security", "admin"])
def test_security_and_admin_see_the_outbox(app, role):
    assert "/staff/outbox" in _links_for(app, role)
