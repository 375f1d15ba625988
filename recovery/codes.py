"""One-time codes: the one way a short-lived secret is read from what a person typed, compared, counted and used.

Each capability keeps its codes in its own table (`email_verifications`, `ticket_intake_challenges`,
`signin_step_ups`, `mfa_challenges`); `Codes` names the model and its columns, and every rule is written here:

- **At rest** only an HMAC (`ctx.tokens`), bound to the code's purpose and its subject (the account and address,
  the intake's kind and address, the step-up's token digest): a digest cannot be replayed for anything else.
- **What the person typed** (`normalise`): spaces and dashes anywhere are dropped (people copy "1234 5678" or
  "1234-5678", and phones turn "-" into "–"); what is left must be exactly the code's number of ASCII digits. No
  NFKC and never `str.isdigit`: both accept digits we never print ("³", "①", "١"), and only what we print is
  read back (as `recovery.numbers`). A code that does not normalise is a wrong code, and its try counts.
- **Live** (`Codes.live`, the one test, given the time): not used, not expired, tries left.
- **Tries** (`Codes.claim_try`): every code is counted before it is compared, right or wrong, by one conditional
  UPDATE (`attempts = attempts + 1 WHERE id AND attempts < max AND not used AND not expired`) committed at once,
  so the count survives the request's rollback and parallel requests can never compare more codes than the
  limit: the row's lock orders the UPDATEs (PostgreSQL re-reads the row under READ COMMITTED; SQLite's
  BEGIN IMMEDIATE serialises writers). The second factor's codes are counted under the account's lock instead
  (mfa.budget.check_code, which writes the try with the account's attempt and commits it with a wrong code's
  answer or a right code's use: `Codes.try_statement`).
- **Single use** (`Codes.consume`): one conditional UPDATE of `used_at` (or, for a table without one, a DELETE
  of the row); of two right codes sent together exactly one wins.

```mermaid
stateDiagram-v2
    [*] --> live: issued (only the HMAC stored)
    live --> live: claim_try (committed before the compare)
    live --> used: consume (conditional UPDATE used_at, or DELETE)
    live --> dead: expires_at passed, or the last try claimed
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.orm import Session

from recovery.context import ServiceContext
from recovery.db import Base, Row, rowcount

# Whitespace (any Unicode space, as str.split) and dashes: hyphen-minus, the Unicode hyphens and dashes, minus.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_LONGEST_TYPED = 64  # anything longer is not a code someone typed; refused before any work


def normalise(typed: object, digits: int) -> str | None:
    """The code `typed` spells: exactly `digits` ASCII digits once spaces and dashes are dropped; else None."""
    if not isinstance(typed, str) or len(typed) > _LONGEST_TYPED:
        return None
    code = _SEPARATORS.sub("", typed)
    return code if len(code) == digits and code.isascii() and code.isdecimal() else None


def digest(ctx: ServiceContext, code: str, purpose: str, *subject: object) -> str:
    """The HMAC kept for `code`: "purpose|subject...|code" under the server key."""
    return ctx.tokens.digest(code, "|".join([purpose, *map(str, subject)]))


def matches(ctx: ServiceContext, typed: object, digits: int, stored: str, purpose: str, *subject: object) -> bool:
    """Whether what the person typed is the code behind `stored` (compared in constant time)."""
    code = normalise(typed, digits)
    return code is not None and ctx.tokens.matches(code, "|".join([purpose, *map(str, subject)]), stored)


class Redeemed(Enum):
    USED = "used"  # the right code: now used
    WRONG = "wrong"  # compared and wrong (its try is counted)
    DEAD = "dead"  # no live code: used, expired or out of tries; nothing compared
    TAKEN = "taken"  # the right code, but a parallel request used it first


@dataclass(frozen=True)
class Codes:
    """The codes kept in one capability's table: its model and the names of the columns the rules need."""

    model: type[Base]
    max_tries: int
    attempts: str = "attempts"
    expires_at: str = "expires_at"
    used_at: str | None = "used_at"  # None: the table has no such column, and a used code's row is deleted

    def _column(self, name: str) -> Any:
        return getattr(self.model, name)

    def live(self, row: Any, now: datetime, *, max_tries: int | None = None) -> bool:
        """Whether `row`'s code can still be tried at `now`: not used, not expired, a try left."""
        used = self.used_at is not None and getattr(row, self.used_at) is not None
        limit = self.max_tries if max_tries is None else max_tries
        return not used and now < getattr(row, self.expires_at) and getattr(row, self.attempts) < limit

    def claim_try(self, ctx: ServiceContext, row_id: int, *, max_tries: int | None = None) -> int | None:
        """Count one try before its code is compared: the try's number (1 for the first), or None when the code
        is no longer live. Commits the request's transaction: call it before the request writes anything it may
        need to undo."""
        counted = ctx.session.execute(self.try_statement(), {
            "row_id": row_id, "max_tries": self.max_tries if max_tries is None else max_tries,
            "now": ctx.clock.now()}).scalar()
        ctx.session.commit()  # counted before the compare, whatever becomes of the rest of the request
        return counted

    def try_statement(self) -> Any:
        """claim_try's conditional UPDATE (built once; parameters row_id, max_tries, now; RETURNING the try's
        number), for a caller that counts the try in a statement of its own (mfa.budget.check_code)."""
        return _claim_statement(self.model, self.attempts, self.expires_at, self.used_at)

    def consume(self, ctx: ServiceContext, row_id: int) -> datetime | None:
        """Use the code up: the time it was used for the one request that did, None when another did first."""
        now = ctx.clock.now()
        used = ctx.session.execute(_consume_statement(self.model, self.used_at), {"row_id": row_id, "now": now})
        return now if rowcount(used) == 1 else None

    def consume_row(self, row_id: int) -> Row:
        """consume as a guard of `db.write_together`: the rows written with it are written only by the one
        request that used the code up (a table whose used codes are deleted: no `used_at`)."""
        if self.used_at is not None:
            raise ValueError("consume_row deletes the row: for a table without used_at")
        return Row(cast(Table, self.model.__table__), {"id": row_id}, match=("id",), delete=True)

    def redeem(self, ctx: ServiceContext, row: Any | None, typed: object, *, digits: int, digest_column: str,
               purpose: str, subject: tuple[object, ...]) -> Redeemed:
        """The whole life of one typed code against `row` (the caller's newest code for the subject): refuse a
        dead one, count the try (committed), compare, use it up."""
        if row is None or not self.live(row, ctx.clock.now()):
            return Redeemed.DEAD
        row_id, stored = row.id, getattr(row, digest_column)  # read before the claim's commit
        if self.claim_try(ctx, row_id) is None:
            return Redeemed.DEAD
        if not matches(ctx, typed, digits, stored, purpose, *subject):
            return Redeemed.WRONG
        used_at = self.consume(ctx, row_id)
        if used_at is None:
            return Redeemed.TAKEN
        if self.used_at is not None:
            setattr(row, self.used_at, used_at)
        return Redeemed.USED

    def drop_if_spent(self, row_id: int, *, max_tries: int | None = None):
        """For a failed request's `persist`: delete the row once its last try is spent (a table without
        used_at keeps no dead codes)."""
        limit = self.max_tries if max_tries is None else max_tries

        def drop(session: Session) -> None:
            session.execute(delete(self.model).where(self._column("id") == row_id,
                                                     self._column(self.attempts) >= limit))

        return drop


# Each statement built once per table and columns (building one per call was a sixth of the TOTP step's CPU).
@lru_cache(maxsize=32)
def _claim_statement(model: type[Base], attempts: str, expires_at: str, used_at: str | None) -> Any:
    column = getattr(model, attempts)
    where = [_id(model) == bindparam("row_id"), column < bindparam("max_tries"),
             getattr(model, expires_at) > bindparam("now")]
    if used_at is not None:
        where.append(getattr(model, used_at).is_(None))
    return (update(model).where(*where).values({attempts: column + 1}).returning(column)
            .execution_options(synchronize_session=False))


@lru_cache(maxsize=32)
def _consume_statement(model: type[Base], used_at: str | None) -> Any:
    row = _id(model) == bindparam("row_id")
    if used_at is None:
        return delete(model).where(row).execution_options(synchronize_session=False)
    used = getattr(model, used_at)
    return (update(model).where(row, used.is_(None)).values({used_at: bindparam("now", type_=used.type)})
            .execution_options(synchronize_session=False))


def _id(model: type[Base]) -> Any:
    return model.__table__.c.id
