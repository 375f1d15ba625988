"""Apps built once per configuration and reset between tests: what a test can change is put back when it ends.

`create_app` costs far more than most tests (blueprints, catalogs, engine, settings validation), so the suite
keeps one app per configuration for the whole session (`AppCache`, behind the `make_app` fixture in
tests/conftest.py). Each test then starts from the state a fresh app would have:

- the app's runtime (settings, clock, tokens, hasher, database) is the one it was built with, attributes a test
  replaced on them put back, except its clock, which is the test's own `clock` (a new FrozenClock per test);
- `app.extensions` and `app.config` are as built (lazily added entries such as learned equal-time padding, the
  cached OpenAPI document or the browser tests' lock are dropped);
- files written under the instance and mailbox directories (mail, evidence) are removed;
- the shared `limiter` is re-bound to this app (flask-limiter keeps one storage per Limiter, set by the last
  `init_app`), so its limits, its storage and whether it is enabled are this app's, with empty counters;
- the database is bound to one connection whose transaction is rolled back (tests/conftest.py).

A test that changes the app itself (adds a route, disposes its engine) asks for `make_app(fresh=True)`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from recovery.app import create_app
from recovery.clock import Clock
from recovery.runtime import Runtime
from recovery.web.context import runtime
from recovery.web.ratelimit import limiter

# Directories an app writes to: one pair per cached app, not per test (their new files go after each test).
DIRECTORIES = ("instance_dir", "mailbox_dir")


def _frozen(value: object) -> object:
    """A hashable stand-in for a setting's value: containers by content, anything unhashable by identity (the
    cached app holds the object, so its id cannot be reused while the cache lives)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(key), _frozen(item)) for key, item in value.items())))
    if isinstance(value, list | tuple | set | frozenset):
        items = tuple(_frozen(item) for item in value)
        return (type(value).__name__, tuple(sorted(items, key=repr)) if isinstance(value, set | frozenset) else items)
    try:
        hash(value)
    except TypeError:
        return ("id", type(value).__name__, id(value))
    return (type(value).__name__, value)


def config_key(config: dict) -> tuple:
    """What makes two apps the same: their settings and the RECOVERY_* variables settings may read."""
    environ = {name: value for name, value in os.environ.items() if name.startswith("RECOVERY_")}
    return (_frozen(config), _frozen(environ))


def _files_under(directories: list[Path]) -> set[Path]:
    return {path for directory in directories if directory.exists() for path in directory.rglob("*")}


@dataclass
class CachedApp:
    """One app and the state it was built with, put back after every test that used it."""

    app: object
    runtime_fields: dict = field(default_factory=dict)
    runtime_attributes: dict = field(default_factory=dict)  # id(part) -> its attributes (a test may patch one)
    extensions: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    directories: list[Path] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)

    @classmethod
    def build(cls, config: dict, clock: Clock) -> CachedApp:
        app = create_app(config, clock=clock)
        rt = runtime(app)
        directories = [Path(getattr(rt.settings, name)) for name in DIRECTORIES]
        parts = {f.name: getattr(rt, f.name) for f in dataclasses.fields(Runtime)}
        attributes = {id(part): dict(vars(part)) for part in parts.values() if hasattr(part, "__dict__")}
        return cls(app, parts, attributes, dict(app.extensions), dict(app.config), directories,
                   _files_under(directories))

    def begin(self, clock: Clock) -> None:
        """Start a test: the test's clock, this app's limiter storage (fresh), settings and state as built."""
        self.restore()
        runtime(self.app).clock = clock
        limiter.init_app(self.app)  # type: ignore[arg-type]  # hooks are added once; storage and switches rebound

    def restore(self) -> None:
        app = self.app
        rt = runtime(app)  # type: ignore[arg-type]
        for name, part in self.runtime_fields.items():
            setattr(rt, name, part)
            if id(part) in self.runtime_attributes:  # e.g. `hasher.verify = spy` on the app's password hasher
                vars(part).clear()
                vars(part).update(self.runtime_attributes[id(part)])
        rt.db.bind_to(None)
        app.extensions.clear()  # type: ignore[attr-defined]
        app.extensions.update(self.extensions)  # type: ignore[attr-defined]
        app.config.clear()  # type: ignore[attr-defined]
        app.config.update(self.config)  # type: ignore[attr-defined]
        for path in sorted(_files_under(self.directories) - self.files, reverse=True):  # children first
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


class AppCache:
    """Apps by configuration for the whole session; `directory()` gives each its own instance and mailbox."""

    def __init__(self, directory) -> None:
        self._directory = directory  # a callable returning a new empty directory (tmp_path_factory.mktemp)
        self._apps: dict[tuple, CachedApp] = {}
        self._last: CachedApp | None = None

    def get(self, config: dict, clock: Clock) -> CachedApp:
        """The app of `config` (built now if it is the first); directories not in `config` are the app's own."""
        key = config_key(config)
        cached = self._apps.get(key)
        if cached is None:
            home = self._directory()
            own = {"instance_dir": home / "instance", "mailbox_dir": home / "mailbox"}
            cached = self._apps[key] = CachedApp.build({**own, **config}, clock)
        if self._last is not None and self._last is not cached:
            # Only the app in use keeps pooled connections: dozens of idle pools would exhaust PostgreSQL's
            # connection slots. A connection a test still holds stays open until the test returns it.
            runtime(self._last.app).db.dispose()  # type: ignore[arg-type]
        self._last = cached
        return cached

    def close(self) -> None:
        for cached in self._apps.values():
            runtime(cached.app).db.dispose()  # type: ignore[arg-type]
        self._apps.clear()
