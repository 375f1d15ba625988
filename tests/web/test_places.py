"""Places read as country names in the reader's language (Babel's CLDR names), never as ISO codes: on pages,
and in emails composed in the recipient's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recovery.places import PlaceName, country_name, place_name
from recovery.web.emails import compose_email

MOMENT = datetime(2026, 12, 7, 16, 45, tzinfo=UTC)


@pytest.mark.parametrize("city, country, locale, expected", [
    ("Berlin", "DE", "en", "Berlin, Germany"),
    ("Berlin", "DE", "zh_Hans", "德国 Berlin"),
    ("上海", "CN", "zh_Hans", "中国上海"),
    (None, "GB", "en", "United Kingdom"),
    (None, "GB", "zh_Hans", "英国"),
    ("Paris", None, "en", "Paris"),
    (None, None, "en", None),
])
def test_place_name_in_each_language(city, country, locale, expected):
    assert place_name(city, country, locale) == expected


def test_an_unknown_code_stays_as_it_is_rather_than_vanishing():
    assert country_name("XX", "en") == "XX" and country_name(None, "en") is None


def test_new_signin_email_names_the_country_in_the_recipients_language(app):
    with app.test_request_context():
        english = compose_email("new_signin", "en", variant="new_device", device="Firefox 125 · Linux",
                                place=PlaceName("Berlin", "DE"), ip="198.51.100.7", reasons=[],
                                confirm_link="https://x.test/c", secure_link="https://x.test/s", link_days=7,
                                account_email="ada@example.com", security_link="https://x.test/security",
                                occurred_at=MOMENT)
        chinese = compose_email("new_signin", "zh_Hans", variant="new_device", device="Firefox 125 · Linux",
                                place=PlaceName("Berlin", "DE"), ip="198.51.100.7", reasons=[],
                                confirm_link="https://x.test/c", secure_link="https://x.test/s", link_days=7,
                                account_email="ada@example.com", security_link="https://x.test/security",
                                occurred_at=MOMENT)
    assert "Berlin, Germany" in english.text and "德国 Berlin" in chinese.text
    assert ", DE" not in english.text + chinese.text
