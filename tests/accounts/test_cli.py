"""The staff commands: create-staff (password from RECOVERY_STAFF_PASSWORD or a prompt) and set-status."""

from __future__ import annotations

from helpers.people import PASSWORD


def test_create_staff_from_the_environment_password(app, people, monkeypatch):
    monkeypatch.setenv("RECOVERY_STAFF_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["recovery", "create-staff", "--email", "Sec@Example.com",
                                                "--role", "security"])
    assert result.exit_code == 0, result.output
    assert "sec@example.com" in result.output.lower()
    [user] = people.row_by_email("sec@example.com")
    assert (user.role, user.is_verified, user.status) == ("security", True, "active")
    assert people.token("sec@example.com")


def test_create_staff_prompts_for_the_password(app, people, monkeypatch):
    monkeypatch.delenv("RECOVERY_STAFF_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["recovery", "create-staff", "--email", "admin@example.com",
                                                "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert people.row_by_email("admin@example.com")[0].role == "admin"


def test_create_staff_existing_email_fails_clearly(app, people, monkeypatch):
    people.user("ada@example.com")
    monkeypatch.setenv("RECOVERY_STAFF_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["recovery", "create-staff", "--email", "ada@example.com",
                                                "--role", "agent"])
    assert result.exit_code == 1
    assert "An account with this email address already exists." in result.output
    assert people.row_by_email("ada@example.com")[0].role == "user"


def test_create_staff_weak_password_fails_with_the_reason(app, people, monkeypatch):
    monkeypatch.setenv("RECOVERY_STAFF_PASSWORD", "short")
    result = app.test_cli_runner().invoke(args=["recovery", "create-staff", "--email", "x@example.com",
                                                "--role", "agent"])
    assert result.exit_code == 1 and "Use at least 15 characters." in result.output
    assert people.row_by_email("x@example.com") == []


def test_create_staff_unknown_role_is_refused(app, monkeypatch):
    monkeypatch.setenv("RECOVERY_STAFF_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["recovery", "create-staff", "--email", "x@example.com",
                                                "--role", "user"])
    assert result.exit_code == 2


def test_set_status_bans_with_a_reason_ends_sessions_and_notifies(app, people, client, outbox):
    user_id = people.user("ada@example.com")
    headers = people.bearer("ada@example.com")
    result = app.test_cli_runner().invoke(args=["recovery", "set-status", "--email", "ada@example.com",
                                                "--status", "banned", "--reason", "Chargeback fraud"])
    assert result.exit_code == 0, result.output
    assert people.get(user_id).status == "banned"
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    [notice] = outbox(to="ada@example.com", template="account_status_changed")
    assert "Chargeback fraud" in notice.payload["text"]
    [event] = people.events("account.status.changed", user_id)
    assert event.actor_type == "system" and event.user_agent == "cli"


def test_set_status_unknown_email_fails(app):
    result = app.test_cli_runner().invoke(args=["recovery", "set-status", "--email", "nobody@example.com",
                                                "--status", "banned", "--reason", "x"])
    assert result.exit_code == 1 and "We could not find what you asked for." in result.output
