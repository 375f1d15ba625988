"""Refusals before the body is read: a body over the size limit (413) and a client over a per-IP limit (429) cost
no parsing; requests refused before their view (CSRF) still count against the per-IP limit."""

from __future__ import annotations

import io

from helpers.csrf import csrf_from
from helpers.people import PASSWORD, add_user

UPLOAD = "/appeal/confirm"  # an intake step that accepts evidence files (about 15 MiB)
IP = "198.51.100.77"


class RecordingInput(io.BytesIO):
    """A WSGI input stream that counts the bytes anything read from it."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line

    def readinto(self, buffer) -> int:  # what Werkzeug's LimitedStream calls
        count = super().readinto(buffer)
        self.bytes_read += count
        return count

    def read1(self, size: int | None = -1) -> bytes:
        chunk = super().read1(size)
        self.bytes_read += len(chunk)
        return chunk


def _multipart(token: str, file_bytes: int) -> tuple[bytes, str]:
    boundary = "recovery-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n',
             f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\nada@example.com\r\n',
             f'--{boundary}\r\nContent-Disposition: form-data; name="code"\r\n\r\n12345678\r\n',
             f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="id.png"\r\n'
             "Content-Type: image/png\r\n\r\n"]
    body = "".join(parts).encode() + b"\x89PNG" + b"0" * file_bytes + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _post(client, path: str, body: bytes, content_type: str, content_length: int | None = None):
    stream = RecordingInput(body)
    response = client.post(path, input_stream=stream, content_type=content_type,
                           headers={"Content-Length": str(len(body) if content_length is None else content_length)},
                           environ_base={"REMOTE_ADDR": IP})
    return response, stream


def _token(client) -> str:
    return csrf_from(client.get(UPLOAD, environ_base={"REMOTE_ADDR": IP}).get_data(as_text=True))


def test_a_body_over_the_size_limit_is_refused_before_any_byte_is_read(make_app):
    client = make_app(ticket_evidence_max_bytes=100_000).test_client()
    body, content_type = _multipart(_token(client), 1_200_000)  # above the 1 MiB every form may send
    response, stream = _post(client, UPLOAD, body, content_type)
    assert response.status_code == 413
    assert stream.bytes_read == 0


def test_a_client_over_its_ip_limit_gets_429_before_its_body_is_read(make_app):
    client = make_app(ticket_intake_limits="2 per hour").test_client()
    token = _token(client)
    for _ in range(2):
        body, content_type = _multipart(token, 1000)
        assert _post(client, UPLOAD, body, content_type)[0].status_code != 429
    body, content_type = _multipart(token, 2_000_000)
    response, stream = _post(client, UPLOAD, body, content_type)
    assert response.status_code == 429
    assert stream.bytes_read == 0
    assert 3500 < int(response.headers["Retry-After"]) <= 3601


def test_requests_refused_by_the_csrf_check_count_against_the_ip_limit(make_app):
    client = make_app(ticket_intake_limits="3 per hour").test_client()
    for _ in range(3):
        body, content_type = _multipart("not-a-token", 1000)
        assert _post(client, UPLOAD, body, content_type)[0].status_code == 400
    body, content_type = _multipart(_token(client), 1000)
    response, stream = _post(client, UPLOAD, body, content_type)
    assert response.status_code == 429 and stream.bytes_read == 0


def test_a_request_within_its_limits_counts_once(make_app):
    client = make_app(ticket_intake_limits="3 per hour").test_client()
    token = _token(client)
    statuses = []
    for _ in range(4):
        body, content_type = _multipart(token, 1000)
        statuses.append(_post(client, UPLOAD, body, content_type)[0].status_code)
    assert statuses[:3] == [statuses[0]] * 3 and statuses[0] != 429 and statuses[3] == 429


def test_a_json_client_over_its_ip_limit_is_refused_before_its_body_is_read(make_app):
    client = make_app(signup_limits="1 per hour").test_client()
    body = b'{"email": "ada@example.com", "password": "short"}'
    assert _post(client, "/api/v1/accounts", body, "application/json")[0].status_code == 400
    response, stream = _post(client, "/api/v1/accounts", body, "application/json")
    assert response.status_code == 429 and stream.bytes_read == 0
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_requests_refused_by_the_csrf_check_do_not_spend_a_failure_only_limit(make_app):
    app = make_app(signin_limits="2 per 5 minutes")
    add_user(app, "ada@example.com")
    client = app.test_client()
    for _ in range(3):
        response = client.post("/signin", data={"csrf_token": "forged", "email": "ada@example.com",
                                                "password": "wrong"}, environ_base={"REMOTE_ADDR": IP})
        assert response.status_code == 400
    token = csrf_from(client.get("/signin", environ_base={"REMOTE_ADDR": IP}).get_data(as_text=True))
    response = client.post("/signin", data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": IP})
    assert response.status_code == 302


def test_a_network_over_its_signin_failure_limit_is_refused_before_the_body_is_read(make_app):
    client = make_app(signin_network_limits="2 per 5 minutes").test_client()
    body = b'{"email": "nobody@example.com", "password": "not the right passphrase"}'
    for host in (1, 2):
        response = client.post("/api/v1/sessions", data=body, content_type="application/json",
                               environ_base={"REMOTE_ADDR": f"203.0.113.{host}"})
        assert response.status_code == 401
    stream = RecordingInput(body)
    response = client.post("/api/v1/sessions", input_stream=stream, content_type="application/json",
                           headers={"Content-Length": str(len(body))}, environ_base={"REMOTE_ADDR": "203.0.113.3"})
    assert response.status_code == 429 and stream.bytes_read == 0
