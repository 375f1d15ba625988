"""Schemathesis against /api/v1/openapi.json, in-process: every operation, anonymous and with a user's and a staff
member's bearer token, never answers 5xx and always answers what the document declares (status, content type,
body). Bounded and derandomized, so CI repeats the same cases."""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recovery.web.equal_time import EqualTiming

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and generation mode; each case is sent three times (see Callers). Raise it for a deeper local run.
EXAMPLES = int(os.environ.get("RECOVERY_FUZZ_EXAMPLES", "20"))
_numbers = itertools.count()


# The views that pad their answers to equal time (recovery/web/equal_time.py); padding here only costs time.
PADDED = ("appeal", "recover", "verify-resend", "secure-account", "secure-account.signed-in", "appeal-confirm",
          "assistant-confirm", "assistant-handoff-signed-in", "assistant-contact")


@pytest.fixture
def app(make_app):
    # Limits are tested elsewhere; here they would turn most cases into 429 (which every operation declares).
    app = make_app(ratelimits_enabled=False)
    for scope in PADDED:
        app.extensions[f"equal_timing.{scope}"] = EqualTiming(sleep=lambda _seconds: None)
    return app


class Callers:
    """Bearer headers for each case: nobody, a user, and an admin past MFA. Each case has fresh sessions and a
    fresh user, and each operation a fresh admin (enrolling TOTP is the slow part), since a case may lock the
    account (secure-account, a status change) or end the session it came with."""

    def __init__(self, people) -> None:
        self.people = people
        self.admin = 0

    def new_operation(self) -> None:
        self.admin = self.people.staff(f"fuzz-admin-{next(_numbers)}@example.test", role="admin")

    def for_case(self) -> dict[str, dict[str, str]]:
        user = self.people.add(f"fuzz-user-{next(_numbers)}@example.test")
        return {"anonymous": {}, "user": self.people.headers(user), "admin": self.people.headers(self.admin)}


@pytest.fixture
def callers(people) -> Callers:
    return Callers(people)


def generated(operation, mode: GenerationMode) -> list:
    """The cases Hypothesis draws for `operation`, the same ones every run (derandomized, no example database)."""
    cases: list = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def draw(case) -> None:
        cases.append(case)

    try:
        draw()
    except Unsatisfiable:  # nothing to negate: an operation without parameters or body
        pass
    return cases


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(app, callers, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    succeeded: dict[str, set[str]] = {"anonymous": set(), "user": set(), "admin": set()}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        callers.new_operation()
        for case in generated(operation, mode):
            for caller, headers in callers.for_case().items():
                try:
                    response = case.call_and_validate(headers=headers, checks=CHECKS)
                    if response.status_code < 300:
                        succeeded[caller].add(operation.label)
                except FailureGroup as group:  # collected, so one run reports every kind of failure
                    for failure in group.exceptions:
                        key = f"{operation.label} {caller}: {failure.title}"
                        failures.setdefault(key, f"{key}\n{group.message}")
    assert not failures, "\n".join(sorted(failures)) + "\n\n" + "\n\n".join(failures.values())
    # The tokens work: signed-in cases reach the views (about 10 and 25 operations answer them 2xx here).
    assert len(succeeded["user"]) >= 5 and len(succeeded["admin"]) >= 10, succeeded
