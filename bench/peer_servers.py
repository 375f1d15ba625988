"""The peers under test (Flask-Security-Too, django-allauth headless, a bare Flask endpoint), each under the
same gunicorn as recovery, with its own fresh database and seeded users, and the requests a real client sends.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field

from bench.argon2_floor import Argon2Params
from bench.context import Run
from bench.peers.allauth_site.hashers import BenchArgon2PasswordHasher
from bench.peers.fst_app import ARGON2
from bench.procs import BIN, HOST, Proc, free_port, gunicorn_argv, run_checked, wait_http
from bench.recovery_server import PASSWORD
from bench.wrk import Request

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def check_argon2_parity(params: Argon2Params) -> None:
    """The peers are configured by constants; recovery's defaults may change: refuse an unfair comparison."""
    fst = (ARGON2["argon2__rounds"], ARGON2["argon2__memory_cost"], ARGON2["argon2__parallelism"])
    django = (BenchArgon2PasswordHasher.time_cost, BenchArgon2PasswordHasher.memory_cost,
              BenchArgon2PasswordHasher.parallelism)
    ours = (params.time_cost, params.memory_cost, params.parallelism)
    if fst != ours or django != ours:
        raise RuntimeError(f"argon2 parameters differ: recovery {ours}, Flask-Security-Too {fst}, allauth {django}")


def _http(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={**JSON, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


@dataclass
class FlaskSecurityToo:
    run: Run
    proc: Proc | None = None
    email: str = "known@example.com"
    totp_email: str = "totp@example.com"
    csrf: dict = field(default_factory=dict)  # {"cookie": ..., "token": ...} of an anonymous client

    def start(self) -> Proc:
        env = {"BENCH_PEER_DATABASE_URL": self.run.new_database("fst")}
        run_checked([str(BIN / "python"), "-m", "bench.peers.fst_app", "seed", self.email,
                                     PASSWORD, self.totp_email], env=env)
        port = free_port()
        argv = gunicorn_argv("bench.peers.fst_app:create_app()", port, self.run.workers, self.run.threads)
        self.proc = self.run.procs.start("fst", argv, env=env, port=port)
        wait_http(self.proc, "/login")
        self.csrf = self._anonymous_client()
        return self.proc

    def _anonymous_client(self) -> dict:
        """What a browser app does first: GET /login for the CSRF token and the session cookie holding it."""
        status, cookie, body = _http(self.proc.port, "GET", "/login")
        if status != 200:
            raise RuntimeError(f"Flask-Security-Too GET /login answered {status}")
        return {"cookie": cookie.split(";", 1)[0], "token": json.loads(body)["response"]["csrf_token"]}

    def _post(self, path: str, body: dict, cookie: str) -> Request:
        return Request("POST", path, {**JSON, "Cookie": cookie},
                       json.dumps({**body, "csrf_token": self.csrf["token"]}))

    def signin(self) -> list[Request]:
        return [self._post("/login", {"email": self.email, "password": PASSWORD}, self.csrf["cookie"])]

    def reset(self, unknown: str) -> list[Request]:
        return [self._post("/reset", {"email": email}, self.csrf["cookie"]) for email in (self.email, unknown)]


@dataclass
class Allauth:
    run: Run
    proc: Proc | None = None
    email: str = "known@example.com"
    prefix: str = "/_allauth/app/v1"  # the app client: a session token header, no CSRF (like a Bearer API)

    def start(self) -> Proc:
        env = {"BENCH_PEER_DATABASE_URL": self.run.new_database("allauth"),
               "DJANGO_SETTINGS_MODULE": "bench.peers.allauth_site.settings"}
        run_checked([str(BIN / "python"), "-m", "bench.peers.allauth_site", "seed", self.email, PASSWORD], env=env)
        port = free_port()
        argv = gunicorn_argv("bench.peers.allauth_site.wsgi:application", port, self.run.workers, self.run.threads)
        self.proc = self.run.procs.start("allauth", argv, env=env, port=port)
        wait_http(self.proc, f"{self.prefix}/config")
        return self.proc

    def signin(self) -> list[Request]:
        return [Request("POST", f"{self.prefix}/auth/login", JSON,
                        json.dumps({"email": self.email, "password": PASSWORD}))]

    def reset(self, unknown: str) -> list[Request]:
        return [Request("POST", f"{self.prefix}/auth/password/request", JSON, json.dumps({"email": email}))
                for email in (self.email, unknown)]


def start_bare(run: Run) -> Proc:
    """The bare Flask app, with a database of its own (SQLite file or PostgreSQL, as recovery's) for the page
    ceiling `GET /bare/page`."""
    from bench import wsgi_bare

    database_url = run.new_database("bare")
    wsgi_bare.seed(database_url)
    port = free_port()
    argv = gunicorn_argv("bench.wsgi_bare:app", port, run.workers, run.threads)
    proc = run.procs.start("bare-flask", argv, env={wsgi_bare.DATABASE_URL_ENV: database_url}, port=port)
    wait_http(proc, "/bare/page")
    return proc
