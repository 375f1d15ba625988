"""Messages in the reader's language: `translate` (a msgid with its parameters), `in_words` (a `Message`), and
marshmallow's own messages: the plain ones are msgids as they are (marked here), and
the ones marshmallow formats with numbers or choices ("Length must be between 1 and 5000.") are recognised by
the shape of the validator's template and rewritten through the catalog, with ngettext where a count decides the
wording. A choice list is never repeated back (it holds internal codes). web/errors.py calls `translate_marshmallow`
for every field message before the plain catalog lookup; tests/web/test_validation_messages.py walks
marshmallow's fields and validators and fails on a message that stays English on a Chinese page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import get_locale, gettext, ngettext
from marshmallow import validate

from recovery.errors import N_, Message
from recovery.places import PlaceName

MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid URL."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid period of time."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid UUID."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("Invalid value."),
    N_("String does not match expected pattern."),
)


def _shape(template: str) -> re.Pattern[str]:
    """A validator's message template ("Length must be between {min} and {max}.") as a pattern of its output."""
    parts = re.split(r"\{(\w+)\}", template.replace("{{", "{").replace("}}", "}"))
    pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(f"^{pattern}$", re.DOTALL)


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 2  # a count the template did not print as digits reads as plural


def _range(min_op: str, max_op: str | None = None) -> str:
    return (validate.Range.message_all.format(min_op=min_op, max_op=max_op) if max_op
            else validate.Range.message_min.format(min_op=min_op))


_AT_LEAST, _ABOVE = validate.Range.message_gte, validate.Range.message_gt
_AT_MOST, _BELOW = validate.Range.message_lte, validate.Range.message_lt

# (pattern of marshmallow's formatted message, what it reads as) - the most specific first.
_FORMATTED: tuple[tuple[re.Pattern[str], Callable[[dict[str, str]], str]], ...] = (
    (_shape(validate.Length.message_all),
     lambda p: gettext("Enter between %(min)s and %(max)s characters.", min=p["min"], max=p["max"])),
    (_shape(validate.Length.message_min),
     lambda p: ngettext("Enter at least %(num)d character.", "Enter at least %(num)d characters.",
                        _count(p["min"]))),
    (_shape(validate.Length.message_max),
     lambda p: ngettext("Enter at most %(num)d character.", "Enter at most %(num)d characters.",
                        _count(p["max"]))),
    (_shape(validate.Length.message_equal),
     lambda p: ngettext("Enter exactly %(num)d character.", "Enter exactly %(num)d characters.",
                        _count(p["equal"]))),
    (_shape(_range(_AT_LEAST, _AT_MOST)),
     lambda p: gettext("Enter a number from %(min)s to %(max)s.", min=p["min"], max=p["max"])),
    (_shape(_range(_AT_LEAST)), lambda p: gettext("Enter a number of at least %(min)s.", min=p["min"])),
    (_shape(validate.Range.message_max.format(max_op=_AT_MOST)),
     lambda p: gettext("Enter a number of at most %(max)s.", max=p["max"])),
    (re.compile(r"^Must be (greater|less) than .*\.$"), lambda p: gettext("Enter a number in the allowed range.")),
    (_shape(validate.OneOf.default_message), lambda p: gettext("Choose one of the options offered.")),
    (_shape(validate.ContainsOnly.default_message), lambda p: gettext("Choose only from the options offered.")),
    (_shape(validate.Equal.default_message), lambda p: gettext("This does not match what was expected.")),
)


def translate(message: str, params: dict | None = None) -> str:
    """A msgid in the reader's language, formatted with `params`; a parameter that is itself a `Message` (a
    status reason the service wrote) is translated too."""
    text = gettext(message)
    try:
        return text % {key: in_words(value) for key, value in params.items()} if params else text
    except (KeyError, TypeError, ValueError):
        return text


def in_words(value: object) -> object:
    """A `Message` or a `PlaceName` in the reader's language; anything else as it is (emails pass their context
    through it)."""
    if isinstance(value, PlaceName):
        return value.in_language(str(get_locale() or "en"))
    return translate(value.msgid, value.params) if isinstance(value, Message) else value


def translate_marshmallow(message: str) -> str | None:
    """The reader's words for one of marshmallow's formatted messages; None for any other message."""
    for pattern, words in _FORMATTED:
        match = pattern.match(message)
        if match:
            return words(match.groupdict())
    return None
