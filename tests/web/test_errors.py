"""Errors answer with one JSON shape on the API and a page in the browser; never a 500 for bad input."""

import os

import pytest
from itsdangerous import Signer

from recovery.app import create_app


def _unreachable_database_url(tmp_path) -> str:
    if os.environ.get("RECOVERY_TEST_DATABASE_URL", "").startswith("postgresql"):
        return "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'gone.db'}"


@pytest.fixture
def dead_db_app(app_config, tmp_path, clock):
    app = create_app({**app_config, "database_url": _unreachable_database_url(tmp_path)}, clock=clock)
    yield app
    app.extensions["recovery"].db.dispose()


def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"  # the worker's state: tests/observability/test_health.py


def test_healthz_answers_503_when_the_database_is_unreachable(dead_db_app):
    response = dead_db_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert response.headers["Retry-After"]


def test_api_answers_503_with_the_error_shape_when_the_database_is_unreachable(dead_db_app):
    client = dead_db_app.test_client()
    response = client.get("/api/v1/sessions", headers={"Authorization": "Bearer " + "x" * 43})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_reset_request_answers_503_when_the_database_is_unreachable(dead_db_app):
    """The reset request's insert runs alone, in autocommit: a failed connection is still a 503, not a 500."""
    response = dead_db_app.test_client().post("/api/v1/password-resets", json={"email": "ada@example.com"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_page_answers_503_page_when_the_database_is_unreachable(dead_db_app, app_config):
    signed = Signer(app_config["secret_key"], salt="recovery.session-cookie").sign("t" * 43).decode()
    client = dead_db_app.test_client()
    client.set_cookie("__Host-recovery_session", signed)  # base URL is https in tests
    response = client.get("/")
    assert response.status_code == 503
    assert "text/html" in response.content_type
    assert response.headers["Retry-After"] == "5"


def test_unknown_api_path_answers_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) >= {"code", "message", "fields"}


def test_wrong_method_answers_405_json(client):
    response = client.patch("/api/v1/openapi.json")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_oversized_body_answers_413(make_app):
    app = make_app(max_content_length=1024)
    response = app.test_client().post("/api/v1/sessions", data="x" * 5000, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_page_answers_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_form_post_without_csrf_token_is_refused(client):
    response = client.post("/signout")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_form_post_with_a_forged_csrf_token_is_refused(client, csrf):
    csrf("/signin")  # the browser holds a seed cookie now
    response = client.post("/signout", data={"csrf_token": "0" * 64})
    assert response.status_code == 400


def test_a_pool_that_lends_no_connection_in_time_answers_503_with_retry_after(make_app):
    """Every pooled connection busy past the pool timeout (a slow or frozen database): 503, not a 500."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    app = make_app(fresh=True)  # a route of its own: not the cached app every other test shares

    def exhausted():
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 5.00")

    app.add_url_rule("/api/v1/test-pool-exhausted", "pool_exhausted", exhausted)
    response = app.test_client().get("/api/v1/test-pool-exhausted")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"
