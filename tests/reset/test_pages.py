"""The browser side: the link moves the token into a cookie, the form sets the password, problems get pages."""

from __future__ import annotations

import pytest
from helpers.csrf import csrf_from
from helpers.people import NEW_PASSWORD, long_password

FORM = "/reset"


def _open(client, token: str):
    return client.get(f"/reset/{token}")


def test_open_link_moves_the_token_into_a_cookie_and_out_of_the_url(client, account, request_link):
    token = request_link()
    response = _open(client, token)
    assert response.status_code == 303 and response.headers["Location"] == FORM
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"recovery_reset={token};")
    assert "HttpOnly" in cookie and "Path=/reset" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_open_link_and_form_consume_nothing(client, account, request_link, db_rows):
    token = request_link()
    for _ in range(3):  # a mail scanner, then the person, then a reload
        _open(client, token)
        page = client.get(FORM)
        assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "a•••@example.com" in html and 'name="password"' in html and 'name="code"' not in html
    assert token not in html
    assert db_rows.resets(account.id)[0].used_at is None


def test_form_sets_the_password_and_clears_the_cookie(app, client, account, request_link, db_rows):
    _open(client, request_link())
    page = client.get(FORM).get_data(as_text=True)
    response = client.post(FORM, data={"password": NEW_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert "recovery_reset=;" in response.headers["Set-Cookie"]
    assert db_rows.resets(account.id)[0].used_at is not None
    assert client.get(FORM).status_code == 400  # the cookie is gone: the form now explains where to start


def test_form_reshows_a_weak_password_without_echoing_it(client, account, request_link):
    _open(client, request_link())
    page = client.get(FORM).get_data(as_text=True)
    response = client.post(FORM, data={"password": "password123", "csrf_token": csrf_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="errors"' in html and "password123" not in html
    assert 'name="password"' in html


def test_form_asks_for_a_code_when_the_account_has_a_second_factor(second_factor_enrolled, client, account,
                                                                   request_link):
    _open(client, request_link())
    page = client.get(FORM).get_data(as_text=True)
    assert 'name="code"' in page and "At least 8 characters" in page
    response = client.post(FORM, data={"password": NEW_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 400 and "authenticator app" in response.get_data(as_text=True)


def test_expired_link_gets_a_page_offering_a_new_one(client, clock, account, request_link):
    token = request_link()
    clock.advance(minutes=31)
    response = _open(client, token)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "has expired" in html and 'href="/forgot"' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_used_link_gets_a_page_offering_a_new_one(client, account, request_link):
    token = request_link()
    client.post("/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    response = _open(client, token)
    assert response.status_code == 409
    assert "already been used" in response.get_data(as_text=True) and 'href="/forgot"' in response.get_data(
        as_text=True)


def test_tampered_link_gets_a_page_offering_a_new_one(client, account, request_link):
    response = _open(client, request_link()[:-12])
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True) and 'href="/forgot"' in response.get_data(as_text=True)


def test_link_expiring_while_the_form_is_open_gets_the_expired_page(client, clock, account, request_link):
    _open(client, request_link())
    page = client.get(FORM).get_data(as_text=True)
    clock.advance(minutes=45)
    response = client.post(FORM, data={"password": NEW_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 400 and "has expired" in response.get_data(as_text=True)


def test_form_without_a_link_explains_where_to_start(client):
    response = client.get(FORM)
    assert response.status_code == 400 and "link from your email" in response.get_data(as_text=True)


def test_pages_in_chinese(client, account, request_link):
    zh = {"Accept-Language": "zh-CN"}
    assert "重置您的密码" in client.get("/forgot", headers=zh).get_data(as_text=True)
    client.get(f"/reset/{request_link()}", headers=zh)
    assert "设置新密码" in client.get(FORM, headers=zh).get_data(as_text=True)
    assert "已过期" not in client.get(FORM, headers=zh).get_data(as_text=True)


@pytest.mark.parametrize("length", [73, 256])
def test_form_sets_a_password_of_any_allowed_length(client, account, request_link, db_rows, length):
    _open(client, request_link())
    page = client.get(FORM).get_data(as_text=True)
    response = client.post(FORM, data={"password": long_password(length), "csrf_token": csrf_from(page)})
    assert response.status_code == 200 and "Your password has been changed" in response.get_data(as_text=True)
    assert db_rows.resets(account.id)[0].used_at is not None


def test_forgot_form_error_summary_links_to_the_field_and_keeps_what_was_typed(client, csrf):
    response = client.post("/forgot", data={"csrf_token": csrf("/forgot"), "email": "ada at example"})
    html = response.get_data(as_text=True)
    summary = html.split('class="errors summary"')[1].split("</ul>")[0]
    assert response.status_code == 400 and 'href="#email"' in summary
    assert 'id="email"' in html and 'aria-describedby="email-errors"' in html and 'id="email-errors"' in html
    assert 'value="ada at example"' in html
