"""Every rate limit on every view is a row of recovery/web/limit_table.py, built as the row says."""

from __future__ import annotations

from flask_limiter.util import get_qualified_name

from recovery.web.limit_table import FAIL_CLOSED, LIMITS
from recovery.web.ratelimit import auth_failed, limiter, signin_network_cost

# What answers 503 while the storage is unreachable (docs/operations.md); changing it is a security decision.
CLOSED = {
    "signin-ip", "signin-network", "signin-account", "confirm-password", "password-change", "mfa-ip",
    "signin.step_up", "signin_api.step_up", "reset-request-ip", "reset-confirm-ip", "password-reset-email",
    "signup-ip", "signup-account", "verify-ip", "verify-account", "resend-ip", "resend-account",
    "contact-add", "contact-verify", "appeal-ip", "appeal-email", "appeal-confirm-ip", "appeal-confirm-email",
    "recover-ip", "recover-email", "recover-confirm-ip", "recover-confirm-email",
    # issue 20: the assistant's hand-off and the contact form send codes and check them, like an appeal
    "assistant-contact-ip", "assistant-contact-email", "assistant-confirm-ip", "assistant-confirm-email",
    "contact-ip", "contact-email", "contact-user", "contact-confirm-ip", "contact-confirm-email",
}
COUNTED_BY_ITS_SERVICE = {"password-reset-email"}  # recovery/reset/quota.py, silent and after the commit


def _view_limits(app) -> list[tuple[str, object]]:
    with app.test_request_context("/", method="POST"):
        return [(endpoint, lim) for endpoint, view in app.view_functions.items()
                for lim in limiter.limit_manager.decorated_limits(get_qualified_name(view))]


def _row_of(lim):
    [row] = [row for row in LIMITS.values() if row.stored_as == lim.scope and row.key is lim.key_func]
    return row


def test_fail_closed_limits_are_the_security_budgets():
    assert FAIL_CLOSED == CLOSED


def test_rows_stored_under_one_scope_agree_on_failing_closed():
    for scope in {row.stored_as for row in LIMITS.values()}:
        assert len({row.fail_closed for row in LIMITS.values() if row.stored_as == scope}) == 1, scope


def test_every_limit_on_every_view_is_built_as_its_row_says(app):
    used = set()
    for endpoint, lim in _view_limits(app):
        row = _row_of(lim)
        used.add(row.name)
        assert lim.shared and lim.methods == ("post", "put", "patch", "delete"), endpoint
        assert lim.deduct_when is (auth_failed if row.failures_only else None), endpoint
        assert lim.cost is (signin_network_cost if row.costlier_under_attack else 1), endpoint
        assert lim.exempt_when is row.exempt_when, endpoint
    assert used | COUNTED_BY_ITS_SERVICE == set(LIMITS)  # no row is left unused
