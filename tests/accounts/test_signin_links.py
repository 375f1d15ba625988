"""The sign-in page leads to every way back: forgot password, full recovery, and an appeal when blocked."""

from helpers.people import PASSWORD


def test_signin_page_links_to_password_reset_and_account_recovery(client):
    html = client.get("/signin").get_data(as_text=True)
    assert 'href="/forgot"' in html
    assert 'href="/recover"' in html


def test_blocked_account_with_right_password_is_offered_the_appeal(client, people):
    user_id = people.user("ada@example.com")
    people.set_status(user_id, "banned", "Spam reports")
    html = people.sign_in("ada@example.com", PASSWORD).get_data(as_text=True)
    assert 'href="/appeal?email=ada@example.com"' in html
