"""Imports every capability's models so that Base.metadata is complete (for Alembic and the schema check)."""

from recovery.accounts import models as _accounts  # noqa: F401
from recovery.alerts import models as _alerts  # noqa: F401
from recovery.assistant import models as _assistant  # noqa: F401
from recovery.db import Base
from recovery.detection import models as _detection  # noqa: F401
from recovery.events import models as _events  # noqa: F401
from recovery.help import models as _help  # noqa: F401
from recovery.mfa import models as _mfa  # noqa: F401
from recovery.observability import models as _observability  # noqa: F401
from recovery.outbox import models as _outbox  # noqa: F401
from recovery.passkeys import models as _passkeys  # noqa: F401
from recovery.reset import models as _reset  # noqa: F401
from recovery.sessions import models as _sessions  # noqa: F401
from recovery.tickets import models as _tickets  # noqa: F401

metadata = Base.metadata
