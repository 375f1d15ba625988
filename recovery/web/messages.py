"""marshmallow's built-in field messages, marked for translation; the error layer translates them by msgid."""

from recovery.errors import N_

MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Not a valid string."),
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid URL."),
    N_("Not a valid datetime."),
    N_("Invalid value."),
)
