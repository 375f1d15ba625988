"""How values read on every page, the Python side of templates/_display.html: times in the person's zone with
UTC on hover, devices and places by one name each; and the browser's report of its time zone.

The request's zone (`request_zone`): the account's (`users.time_zone`), else the zone this browser reported (the
`recovery_tz` cookie, for signed-out pages), else UTC. A small script of our own (static/time-zone.js, included
by templates/_time_zone.html) posts the browser's zone once to `POST /time-zone`; without JavaScript the holder
chooses one on the security page. Emails do not use the request's zone: they name a time in the recipient's
(`time_in(value, time_zone)` in a template, `recovery.times.format_when` in code).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, make_response, request
from markupsafe import Markup, escape

from recovery.accounts import service as accounts
from recovery.accounts.schemas import TimeZoneForm
from recovery.places import place_name
from recovery.times import DEFAULT_ZONE, format_utc, format_when, is_time_zone
from recovery.useragents import device_name, device_of
from recovery.web.auth import current_user
from recovery.web.context import request_g, service_context
from recovery.web.cookies import TIME_ZONE, read_cookie, set_cookie
from recovery.web.forms import parse_form
from recovery.web.locales import locale_name

bp = Blueprint("display", __name__)


def reported_zone() -> str | None:
    """The zone this browser last reported (its cookie), if it names one."""
    zone = read_cookie(TIME_ZONE)
    return zone if is_time_zone(zone) else None


def request_zone() -> str:
    """The zone this request's times are shown in: the account's, the browser's, or UTC."""
    stored = request_g().__dict__
    zone = stored.get("time_zone")
    if zone is None:
        user = current_user()
        zone = stored["time_zone"] = (user.time_zone if user is not None and is_time_zone(user.time_zone)
                                      else None) or reported_zone() or DEFAULT_ZONE
    return zone


# Pages that carry no script at all, not even ours: those that show a secret or take a code (TOTP setup,
# recovery codes, the second-factor and emailed-code pages) and the staff alert console (tests assert it).
_NO_SCRIPT = ("mfa.", "signin.", "alerts.")


def zone_to_report() -> str | None:
    """None when the page needs no report (the zone is known, or the page carries no script); else "": the
    script posts the browser's zone (an account without a zone of its own gets it although the cookie has it),
    so a browser reports once."""
    endpoint = request.endpoint or ""
    if endpoint.startswith(_NO_SCRIPT):
        return None
    user = current_user()
    if user is not None:
        return None if is_time_zone(user.time_zone) else ""
    return None if reported_zone() else ""


@bp.app_template_global("local_time")
def local_time(value: datetime | None, format: str = "short") -> str:
    """`value` in the request's zone and language (recovery.times.format_when)."""
    if value is None:
        return ""
    return format_when(value, zone=request_zone(), locale=locale_name(), format=format)


@bp.app_template_global("time_in")
def time_in(value: datetime | None, zone: str | None, format: str = "medium") -> str:
    """For emails: `{{ time_in(occurred_at, time_zone) }}`, the recipient's zone (notify_security passes
    `time_zone`) in the language the email is rendered in (force_locale); None reads as UTC."""
    if value is None:
        return ""
    return format_when(value, zone=zone, locale=locale_name(), format=format)


@bp.app_template_global("utc_time")
def utc_time(value: datetime | None) -> str:
    return format_utc(value) if value is not None else ""


@bp.app_template_global("time_element")
def time_element(value: datetime | None, format: str = "short") -> Markup:
    """_display.html's `when`: the time in the reader's zone and language, UTC on hover; nothing for no time.
    A function rather than a macro: pages show up to a hundred (the queue, the timeline), and a macro call costs
    about ten times a function's."""
    if not value:
        return Markup("")
    return Markup(f'<time datetime="{escape(value.isoformat())}" title="{escape(utc_time(value))}">'  # noqa: S704
                  f"{escape(local_time(value, format))}</time>")  # every value escaped


@bp.app_template_global("place")
def place(city: str | None, country: str | None) -> str:
    """"Shanghai, China" / "中国 Shanghai"; "" when nothing is known (the template shows its dash)."""
    return place_name(city, country, locale_name()) or ""


@bp.app_template_filter("device")
def device(value: object) -> str | None:
    """A device's one name from a raw user agent or anything with `browser` and `os`; None when unknown."""
    if value is None or isinstance(value, str):
        return device_of(value)
    return device_name(getattr(value, "browser", None), getattr(value, "os", None))


bp.add_app_template_global(request_zone, "request_zone")


@bp.post("/time-zone")
def report_time_zone():
    """The browser's zone (time-zone.js): remembered in a cookie, and stored on an account that has none."""
    zone = parse_form(TimeZoneForm())["time_zone"]
    user = current_user()
    if user is not None:
        accounts.set_time_zone(service_context(), user, zone, only_if_unset=True)
    response = make_response("", 204)
    set_cookie(response, TIME_ZONE, zone)
    return response
