"""Structured logs: a request id taken or made, echoed, carried into the outbox and the worker's lines; no secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from helpers.mail import token_in
from helpers.people import ADA, PASSWORD

from recovery.observability.logs import JsonFormatter, TextFormatter, log_fields
from recovery.outbox.delivery import deliver_due
from recovery.settings import SettingsError, build_settings


@contextmanager
def written(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """What the root logger writes through `formatter` meanwhile."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


@pytest.fixture
def json_lines():
    """Every line logged while the test runs, as the JSON formatter writes it, parsed back."""
    with written(JsonFormatter()) as buffer:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_well_formed_request_id_is_echoed_and_others_are_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-4f2a.9_Z-1"}).headers["X-Request-ID"] == "lb-4f2a.9_Z-1"
    for bad in ("x" * 65, "has space", "semi;colon", "new\u00e9"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32 and set(echoed) <= set("0123456789abcdef")
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]


def test_one_reset_is_followed_by_its_request_id_from_web_to_worker(app, client, ada, outbox, json_lines):
    trace = "reset-trace-0001"
    response = client.post("/api/v1/password-resets", json={"email": ADA}, headers={"X-Request-ID": trace})
    assert response.status_code == 202 and response.headers["X-Request-ID"] == trace
    [email] = outbox(template="reset_link")  # the worker runs the reset's task, which queues the email
    assert email.request_id == trace
    token = token_in(email)
    while deliver_due(app, batch_size=100, worker_id="test-worker"):  # the task, then the email it queued
        pass
    lines = [line for line in json_lines() if line.get("request_id") == trace]
    web = [line for line in lines if line["logger"] == "recovery.access"]
    assert web and web[0]["path"] == "/api/v1/password-resets" and web[0]["status"] == 202
    assert web[0]["client_ip"] == "127.0.0.1"
    worker = [line for line in lines if line["logger"] == "recovery.outbox.delivery"]
    assert {line["outbox_kind"] for line in worker} == {"task", "email"}, worker
    assert [line["user_id"] for line in worker if line["outbox_kind"] == "email"] == [ada]
    everything = "\n".join(json.dumps(line) for line in json_lines())
    assert token not in everything and PASSWORD not in everything


def test_a_signed_in_request_line_names_the_user(client, signed_in_ada, json_lines):
    client.get("/security")
    [line] = [line for line in json_lines() if line["logger"] == "recovery.access" and line["path"] == "/security"]
    assert line["user_id"] == signed_in_ada


def test_json_lines_redact_links_and_secret_fields(json_lines):
    token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0" * 2
    with log_fields(request_id="abc"):
        logging.getLogger("recovery.test").warning("opened /reset/%s?code=123456 in a browser", token,
                                                   extra={"password": PASSWORD, "code": "123456", "where": "/x?code=9"})
    [line] = [line for line in json_lines() if line["logger"] == "recovery.test"]
    assert line["message"] == "opened /reset/[redacted] in a browser"
    assert line["password"] == line["code"] == "[redacted]" and line["where"] == "/x"
    assert line["request_id"] == "abc" and line["level"] == "warning"


def test_text_lines_carry_the_request_id_for_a_terminal():
    record = logging.LogRecord("recovery.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    with log_fields(request_id="req-7"):
        text = TextFormatter().format(record)
    assert text.endswith("INFO    recovery.test [req-7] hello world")


def test_a_decoded_path_cannot_forge_a_text_line(client):
    """`/x%0a18:00:00 INFO recovery.access ...` is one access line, its newline written as an escape."""
    with written(TextFormatter()) as buffer:
        client.get("/x%0a18:00:00 INFO    recovery.access [abc] POST /signin 302 1.0ms%0d%1b[2J")
    record = logging.LogRecord("recovery.test", logging.INFO, __file__, 1, "said %s", ("a\nb",), None)
    record.detail = "c\rd"
    extra = TextFormatter().format(record)
    [line] = [line for line in buffer.getvalue().splitlines() if "recovery.access" in line]
    assert line.endswith(" recovery.access [abc] POST /signin 302 1.0ms\\r\\x1b[2J 404 " + line.rsplit(" ", 1)[1])
    assert "GET /x\\n18:00:00 INFO" in line
    assert extra.endswith("said a\\nb detail=c\\rd") and "\n" not in extra


def test_log_format_follows_the_environment(tmp_path):
    assert not build_settings({"instance_dir": tmp_path}, environ={}).log_json
    assert build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_LOG_FORMAT": "json"}).log_json
    with pytest.raises(SettingsError, match="RECOVERY_LOG_FORMAT"):
        build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_LOG_FORMAT": "xml"})
