"""`flask --app wsgi recovery <command>`: init-db, worker, create-staff, set-status, help-import,
rotate-encryption-keys, i18n-missing, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from recovery import migrate
from recovery.accounts.service import create_staff, get_user_by_email, set_status_as_operator
from recovery.context import Actor
from recovery.errors import RecoveryError
from recovery.help.content import CONTENT_DIR, ContentError, ImportReport, import_content
from recovery.outbox.worker import LANES, run_worker
from recovery.settings import PROJECT_ROOT
from recovery.web.catalogs import missing_translations
from recovery.web.context import app_service_context, runtime

recovery_cli = AppGroup("recovery", help="Operate the recovery service.")


@recovery_cli.command("init-db")
def init_db() -> None:
    """Apply the Alembic migrations (idempotent)."""
    migrate.upgrade(runtime().settings.database_url)
    click.echo("database is at the latest migration")


@recovery_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, run due periodic jobs, then exit.")
@click.option("--batch-size", default=50, show_default=True)
@click.option("--poll-seconds", default=1.0, show_default=True)
@click.option("--kinds", default="email,webhook", show_default=True,
              help="Lanes this worker runs, each in its own thread: email (with the tasks requests queue), webhook.")
def worker(once: bool, batch_size: int, poll_seconds: float, kinds: str) -> None:
    """Deliver the outbox (emails, webhooks) with retries, and run periodic jobs."""
    lanes = tuple(dict.fromkeys(k.strip() for k in kinds.split(",") if k.strip()))
    if not lanes or set(lanes) - set(LANES):
        raise click.BadParameter(f"a comma-separated list of {', '.join(LANES)}", param_hint="--kinds")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    delivered = run_worker(app, once=once, batch_size=batch_size, poll_seconds=poll_seconds, lanes=lanes)
    if once:
        click.echo(f"processed {delivered} message(s)")


@recovery_cli.command("create-staff")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["agent", "security", "content", "admin"]))
def create_staff_command(email: str, role: str) -> None:
    """Create a staff account; the password comes from RECOVERY_STAFF_PASSWORD or a prompt."""
    password = os.environ.get("RECOVERY_STAFF_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    _run(lambda ctx: create_staff(ctx, email=email, password=password, role=role))
    click.echo(f"staff account {email} ({role}) is ready")


@recovery_cli.command("set-status")
@click.option("--email", required=True)
@click.option("--status", required=True, type=click.Choice(["active", "locked", "suspended", "banned"]))
@click.option("--reason", required=True)
def set_status_command(email: str, status: str, reason: str) -> None:
    """Set an account's status (e.g. banned) with a reason; sessions end and the user is told.

    The operator's documented exception to the staff rules: no second approval is asked (whoever runs this
    command runs the service), and the event records `authority: operator`."""
    _run(lambda ctx: set_status_as_operator(ctx, get_user_by_email(ctx, email), status=status, reason=reason))
    click.echo(f"{email} is now {status}")


@recovery_cli.command("help-import")
@click.option("--from", "source", default=None, help="The content folder (default: content/help).")
def help_import_command(source: str | None) -> None:
    """Import the help articles in content/help (idempotent; a translation edited in the console is kept)."""
    report: list[ImportReport] = []
    root = Path(source) if source else CONTENT_DIR
    try:
        _run(lambda ctx: report.append(import_content(ctx, root)))
    except ContentError as error:
        raise click.ClickException(str(error)) from error
    done = report[0]
    click.echo(f"help articles: {done.created} created, {done.updated} updated, {done.unchanged} unchanged, "
               f"{len(done.kept)} kept as edited in the console")


# Every kind of secret encrypted under RECOVERY_ENCRYPTION_KEYS: (label, module, function(ctx) -> (done, unreadable)).
_ENCRYPTED_SECRETS = (("TOTP", "recovery.mfa.service", "rotate_encryption_keys"),
                      ("webhook", "recovery.alerts.webhooks", "rotate_secrets"))


@recovery_cli.command("rotate-encryption-keys")
def rotate_encryption_keys_command() -> None:
    """Re-encrypt every secret at rest (TOTP secrets, webhook secrets) under the newest RECOVERY_ENCRYPTION_KEYS key."""
    import importlib

    counts: dict[str, tuple[int, int]] = {}

    def rotate_all(ctx) -> None:
        for label, module, function in _ENCRYPTED_SECRETS:
            counts[label] = getattr(importlib.import_module(module), function)(ctx)

    _run(rotate_all)  # one transaction: every secret moves, or none does
    click.echo("re-encrypted under the newest key: " + ", ".join(f"{done} {label} secret(s)"
                                                               for label, (done, _) in counts.items()))
    unreadable = sum(bad for _, bad in counts.values())
    if unreadable:
        raise click.ClickException(f"{unreadable} secret(s) match no configured key: put the key that made them "
                                   "back into RECOVERY_ENCRYPTION_KEYS and run this again")


def _run(operation) -> None:
    """One command, one transaction; domain errors become a clean message and exit code 1."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    try:
        with runtime().db.transaction() as session:
            operation(app_service_context(app, session, Actor("system", None, None, "cli")))
    except RecoveryError as error:
        fields = getattr(error, "fields", None)
        raise click.ClickException(f"{error.message} {fields or ''}".strip()) from error


@recovery_cli.command("i18n-missing")
@click.option("--locale", default="zh_Hans", show_default=True)
def i18n_missing(locale: str) -> None:
    """Print the strings that have no translation yet, as .po entries to fill in."""
    for msgid, where in missing_translations(locale).items():
        escaped = msgid.replace("\\", "\\\\").replace('"', '\\"')
        click.echo(f"#: {where[0]}\nmsgid \"{escaped}\"\nmsgstr \"\"\n")


@recovery_cli.command("screenshots")
@click.option("--out", default="screenshots", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the PNGs (git-ignored), one sub-folder per language.")
def screenshots(out: str) -> None:
    """Screenshot every user page in English and Chinese at 1280 and 390 px: the browser page walk
    (tests/browser/test_pages.py, which also runs its checks) with RECOVERY_SCREENSHOTS set."""
    folder = (PROJECT_ROOT / out).resolve()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser/test_pages.py"]
    # A fixed command of our own (no user input reaches it): the same interpreter runs the repository's test.
    done = subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, "RECOVERY_SCREENSHOTS": str(folder)},  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise click.ClickException(f"the page walk failed (its checks above); what it took is in {folder}")
    click.echo(f"screenshots in {folder}")
