"""Request log lines never carry the secrets of emailed links, whatever kind of link it is."""

import logging

import pytest

from recovery.web.logredact import redact

TOKEN = "eyJyIjoiYWJjIn0.Z1x2Yw.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize("path", [f"/reset/{TOKEN}", f"/appeal/status/{TOKEN}", f"/recover/cancel/{TOKEN}",
                                  f"/appeal/status/{TOKEN}/reply", f"/not-me/{TOKEN}"])
def test_token_path_segments_are_redacted(path):
    line = f'127.0.0.1 - - [x] "GET {path} HTTP/1.1" 303 -'
    assert TOKEN not in redact(line) and "[redacted]" in redact(line)


def test_query_strings_are_dropped():
    line = '127.0.0.1 - - [x] "GET /verify-email?email=a@example.com&code=74989305 HTTP/1.1" 200 -'
    assert redact(line) == '127.0.0.1 - - [x] "GET /verify-email HTTP/1.1" 200 -'


@pytest.mark.parametrize("line", ['"GET /reset HTTP/1.1" 200', '"POST /api/v1/password-resets/confirm HTTP/1.1" 200',
                                  '"GET /staff/tickets/12345 HTTP/1.1" 200', '"GET /static/style.css HTTP/1.1" 304'])
def test_ordinary_paths_are_left_alone(line):
    assert redact(line) == line


def test_werkzeug_and_gunicorn_log_lines_are_filtered(app, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('127.0.0.1 - - [x] "%s" %s -', f"GET /reset/{TOKEN} HTTP/1.1", 303)
        logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s',
                                                  {"h": "10.0.0.1", "r": f"GET /appeal/status/{TOKEN} HTTP/1.1",
                                                   "s": 200})
    assert TOKEN not in caplog.text
    assert caplog.text.count("[redacted]") == 2
