"""One frozen Settings object built from RECOVERY_* environment variables and validated at start-up."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from limits import parse, parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_MAILBOX_ENVS = frozenset({"development", "testing"})


class SettingsError(RuntimeError):
    """The configuration cannot run safely; the message names the variable to fix."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_dir: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    # Ping each pooled PostgreSQL connection before use (a round trip per request). Off: a connection the server
    # dropped fails one request with 503 and the pool reconnects (docs/operations.md).
    database_pre_ping: bool = False
    # PostgreSQL: an unresponsive database answers 503 within seconds, never a hang (docs/operations.md,
    # "What each dependency's failure does to users"). 0 turns the statement timeout off.
    database_statement_timeout_seconds: float = 3.0  # server-side; a reply awaited 1 s longer is given up
    database_connect_timeout_seconds: int = 3
    database_pool_timeout_seconds: float = 5.0
    secret_key: str = ""
    base_url: str = "http://localhost:5000"  # a host name: WebAuthn refuses an IP address as its RP id
    ratelimit_storage_uri: str = "memory://"
    ratelimit_key_prefix: str = "recovery"
    ratelimits_enabled: bool = True
    ratelimit_storage_timeout_seconds: float = 0.5  # connect and reply timeout of the rate-limit storage (Redis)
    trusted_proxies: int = 0
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = 10.0  # one message's whole SMTP exchange, connecting included
    mail_from: str = "recovery <no-reply@localhost>"
    mailbox_dir: Path = PROJECT_ROOT / "instance" / "mailbox"
    # The /dev/mailbox pages listing locally written mail: only when asked for, only in development or tests
    # (`python3 -m recovery serve` asks for it); every reset link is on them.
    dev_mailbox: bool = False
    encryption_keys: tuple[str, ...] = ()
    port: int = 5000
    max_content_length: int = 1024 * 1024
    # The least time an answer that must not reveal an account takes (recovery/web/equal_time.py): above the
    # slow path's usual duration, so a run of fast answers cannot train the padding below it.
    equal_time_floor_ms: int = 100
    # argon2id, OWASP minimum by default (m=19 MiB, t=2, p=1).
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456
    argon2_parallelism: int = 1
    argon2_max_concurrent: int = 4
    password_min_length: int = 15
    password_min_length_with_mfa: int = 8
    password_max_length: int = 256
    require_email_verification: bool = True
    verification_code_minutes: int = 30
    reset_token_minutes: int = 30
    session_idle_minutes: int = 60
    session_absolute_hours: int = 24
    reauth_minutes: int = 10
    signin_limits: str = "10 per 5 minutes"
    signup_limits: str = "20 per hour"
    password_change_limits: str = "5 per 15 minutes;20 per day"  # noqa: S105 - changes posted per account
    # Failed sign-ins per network prefix (/24 for IPv4, /64 for IPv6), as per IP and per account: a wall for that
    # prefix only. Sign-in failures across every client are a signal, never a wall: over the threshold an alert
    # is raised, unfamiliar devices step up and each failure costs a prefix `signin_attack_network_cost`.
    signin_network_limits: str = "10 per 5 minutes"
    signin_attack_threshold: str = "1000 per 5 minutes"
    signin_attack_network_cost: int = 2
    outbox_max_attempts: int = 12
    outbox_backoff_base_seconds: float = 5.0
    outbox_backoff_max_seconds: float = 3600.0
    outbox_lease_seconds: int = 120  # at least twice the longest send (smtp/webhook timeouts); renewed per send
    webhook_timeout_seconds: float = 10.0  # one webhook POST, connecting to the last byte of the answer
    default_locale: str = "en"
    # Hosts a webhook may reach although not public (a receiver on this machine); refused in production.
    webhook_allowed_hosts: tuple[str, ...] = ()
    # Tickets (appeals, recovery requests, support console); see recovery/tickets/.
    ticket_sla_policy: str = "P1=1h/24h,P2=4h/72h,P3=24h/120h,P4=72h/240h"  # first response / resolution
    ticket_sla_warn_minutes: int = 15
    ticket_recovery_hold_hours: int = 72
    ticket_four_eyes: bool = True
    ticket_routing_file: str = ""
    ticket_evidence_max_bytes: int = 5 * 1024 * 1024
    ticket_evidence_max_files: int = 10
    ticket_evidence_retention_days: int = 30
    ticket_reopen_days: int = 7
    ticket_appeal_again_days: int = 30
    ticket_survey_delay_hours: int = 24
    ticket_signal_days: int = 14
    ticket_intake_limits: str = "5 per hour"
    # MFA (TOTP, recovery codes, the second step of sign-in); see recovery/mfa/.
    staff_require_mfa: bool = True
    mfa_issuer: str = "recovery"
    mfa_enrollment_minutes: int = 15
    mfa_challenge_minutes: int = 5
    mfa_failure_limits: str = "5 per 5 minutes;20 per hour;50 per day"  # wrong codes per account, any IP
    mfa_ip_limits: str = "20 per 5 minutes;100 per day"  # wrong codes per IP, any account
    # Passkeys (WebAuthn); see recovery/passkeys/. The RP id defaults to the base URL's host; more origins are
    # accepted for apps (an Android app's "android:apk-key-hash:..." origin, say).
    webauthn_rp_id: str = ""
    webauthn_origins: tuple[str, ...] = ()
    staff_require_phishing_resistant: bool = False
    # Suspicious sign-ins, containment and alerts; see recovery/detection/ and recovery/alerts/.
    geoip_city_db: str = ""  # a MaxMind city .mmdb for coordinates; country and ASN come from geoip2fast's data
    geoip_fast_data: str = "geoip2fast-asn-ipv6.dat.gz"  # which file of the geoip2fast package (IPv4+6, ASN)
    detection_lock_after_failures: int = 5  # consecutive wrong passwords before each temporary lock
    detection_lock_base_seconds: int = 60  # the first lock; each next one doubles ...
    detection_lock_max_seconds: int = 900  # ... up to this
    detection_lock_forget_hours: int = 12  # quiet hours after which the failures and locks are forgotten
    detection_disable_after_failures: int = 100  # consecutive failures that disable the password until a reset
    detection_stuffing_ip_failures: int = 100  # failures from one IP across accounts in 24 hours
    detection_stuffing_accounts: int = 20  # distinct accounts tried from one IP (or 2.5x from a network) in 1 hour
    detection_notify_score: int = 30
    detection_step_up_score: int = 60
    detection_block_score: int = 100
    detection_impossible_travel_kmh: int = 1000
    detection_notice_minutes: int = 15  # at most one "new sign-in" email per device in this time
    detection_link_days: int = 7  # the "it was me" / "secure my account" buttons
    detection_deny_list: str = ""  # comma-separated CIDRs, "country:XX" and "asn:NAME" entries
    detection_retention_days: int = 180
    alert_dedup_minutes: int = 60  # one alert grows per (rule, account, source) within this window
    alert_console_refresh_seconds: int = 30
    # Logs and metrics; see recovery/observability/ and docs/operations.md, "Logs" and "Metrics".
    log_format: str = ""  # "json" or "text"; unset: json in production, text for a developer's terminal
    metrics_path: str = "/metrics"
    # A port of its own for /metrics (gunicorn bound to it on a private interface as well): then /metrics answers
    # there only, and that port serves nothing else but /healthz. 0: /metrics is on the public port, open in
    # development, and in production only to `Authorization: Bearer <metrics_token>` (refused without a token).
    metrics_port: int = 0
    metrics_token: str = ""
    worker_metrics_address: str = ""  # "127.0.0.1:9101": a worker-only host serves its own counters there
    worker_heartbeat_seconds: int = 30  # how often a worker writes its heartbeat row
    worker_stale_minutes: int = 5  # /healthz reports the worker stale when no heartbeat is this recent
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying party: RECOVERY_WEBAUTHN_RP_ID, else the base URL's host."""
        return self.webauthn_rp_id or (urlsplit(self.base_url).hostname or "")

    @property
    def webauthn_accepted_origins(self) -> list[str]:
        parts = urlsplit(self.base_url)
        return [f"{parts.scheme}://{parts.netloc}", *self.webauthn_origins]

    @property
    def uses_local_mailbox(self) -> bool:
        return not self.smtp_host

    @property
    def log_json(self) -> bool:
        return (self.log_format or ("json" if self.is_production else "text")) == "json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _env_bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"not a boolean: {value!r}")


_ENV_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "RECOVERY_ENV": ("env", str),
    "RECOVERY_INSTANCE_DIR": ("instance_dir", Path),
    "RECOVERY_DATABASE_URL": ("database_url", str),
    "RECOVERY_DATABASE_PRE_PING": ("database_pre_ping", _env_bool),
    "RECOVERY_DATABASE_STATEMENT_TIMEOUT_SECONDS": ("database_statement_timeout_seconds", float),
    "RECOVERY_DATABASE_CONNECT_TIMEOUT_SECONDS": ("database_connect_timeout_seconds", int),
    "RECOVERY_DATABASE_POOL_TIMEOUT_SECONDS": ("database_pool_timeout_seconds", float),
    "RECOVERY_SECRET_KEY": ("secret_key", str),
    "RECOVERY_BASE_URL": ("base_url", str),
    "RECOVERY_RATELIMIT_STORAGE_URI": ("ratelimit_storage_uri", str),
    "RECOVERY_RATELIMIT_KEY_PREFIX": ("ratelimit_key_prefix", str),
    "RECOVERY_RATELIMIT_STORAGE_TIMEOUT_SECONDS": ("ratelimit_storage_timeout_seconds", float),
    "RECOVERY_TRUSTED_PROXIES": ("trusted_proxies", int),
    "RECOVERY_SMTP_HOST": ("smtp_host", str),
    "RECOVERY_SMTP_PORT": ("smtp_port", int),
    "RECOVERY_SMTP_USERNAME": ("smtp_username", str),
    "RECOVERY_SMTP_PASSWORD": ("smtp_password", str),
    "RECOVERY_SMTP_STARTTLS": ("smtp_starttls", _env_bool),
    "RECOVERY_SMTP_TIMEOUT_SECONDS": ("smtp_timeout_seconds", float),
    "RECOVERY_WEBHOOK_TIMEOUT_SECONDS": ("webhook_timeout_seconds", float),
    "RECOVERY_OUTBOX_LEASE_SECONDS": ("outbox_lease_seconds", int),
    "RECOVERY_OUTBOX_MAX_ATTEMPTS": ("outbox_max_attempts", int),
    "RECOVERY_OUTBOX_BACKOFF_BASE_SECONDS": ("outbox_backoff_base_seconds", float),
    "RECOVERY_OUTBOX_BACKOFF_MAX_SECONDS": ("outbox_backoff_max_seconds", float),
    "RECOVERY_MAIL_FROM": ("mail_from", str),
    "RECOVERY_MAILBOX_DIR": ("mailbox_dir", Path),
    "RECOVERY_DEV_MAILBOX": ("dev_mailbox", _env_bool),
    "RECOVERY_ENCRYPTION_KEYS": ("encryption_keys", lambda v: tuple(k.strip() for k in v.split(",") if k.strip())),
    "RECOVERY_PORT": ("port", int),
    "RECOVERY_WEBHOOK_ALLOWED_HOSTS": ("webhook_allowed_hosts",
                                       lambda v: tuple(h.strip() for h in v.split(",") if h.strip())),
    "RECOVERY_MAX_CONTENT_LENGTH": ("max_content_length", int),
    "RECOVERY_EQUAL_TIME_FLOOR_MS": ("equal_time_floor_ms", int),
    "RECOVERY_ARGON2_TIME_COST": ("argon2_time_cost", int),
    "RECOVERY_ARGON2_MEMORY_COST": ("argon2_memory_cost", int),
    "RECOVERY_ARGON2_PARALLELISM": ("argon2_parallelism", int),
    "RECOVERY_ARGON2_MAX_CONCURRENT": ("argon2_max_concurrent", int),
    "RECOVERY_REQUIRE_EMAIL_VERIFICATION": ("require_email_verification", _env_bool),
    "RECOVERY_RESET_TOKEN_MINUTES": ("reset_token_minutes", int),
    "RECOVERY_SESSION_IDLE_MINUTES": ("session_idle_minutes", int),
    "RECOVERY_SESSION_ABSOLUTE_HOURS": ("session_absolute_hours", int),
    "RECOVERY_SIGNIN_LIMITS": ("signin_limits", str),
    "RECOVERY_SIGNIN_NETWORK_LIMITS": ("signin_network_limits", str),
    # The old name of the threshold, read first so that the new name wins when both are set.
    "RECOVERY_GLOBAL_SIGNIN_LIMIT": ("signin_attack_threshold", str),
    "RECOVERY_SIGNIN_ATTACK_THRESHOLD": ("signin_attack_threshold", str),
    "RECOVERY_SIGNIN_ATTACK_NETWORK_COST": ("signin_attack_network_cost", int),
    "RECOVERY_SIGNUP_LIMITS": ("signup_limits", str),
    "RECOVERY_PASSWORD_CHANGE_LIMITS": ("password_change_limits", str),
    "RECOVERY_TICKET_SLA_POLICY": ("ticket_sla_policy", str),
    "RECOVERY_TICKET_RECOVERY_HOLD_HOURS": ("ticket_recovery_hold_hours", int),
    "RECOVERY_TICKET_FOUR_EYES": ("ticket_four_eyes", _env_bool),
    "RECOVERY_TICKET_ROUTING_FILE": ("ticket_routing_file", str),
    "RECOVERY_TICKET_EVIDENCE_MAX_BYTES": ("ticket_evidence_max_bytes", int),
    "RECOVERY_TICKET_EVIDENCE_RETENTION_DAYS": ("ticket_evidence_retention_days", int),
    "RECOVERY_STAFF_REQUIRE_MFA": ("staff_require_mfa", _env_bool),
    "RECOVERY_STAFF_REQUIRE_PHISHING_RESISTANT": ("staff_require_phishing_resistant", _env_bool),
    "RECOVERY_WEBAUTHN_RP_ID": ("webauthn_rp_id", str),
    "RECOVERY_WEBAUTHN_ORIGINS": ("webauthn_origins", lambda v: tuple(o.strip() for o in v.split(",") if o.strip())),
    "RECOVERY_MFA_ISSUER": ("mfa_issuer", str),
    "RECOVERY_MFA_FAILURE_LIMITS": ("mfa_failure_limits", str),
    "RECOVERY_MFA_IP_LIMITS": ("mfa_ip_limits", str),
    "RECOVERY_GEOIP_CITY_DB": ("geoip_city_db", str),
    "RECOVERY_DETECTION_DENY_LIST": ("detection_deny_list", str),
    "RECOVERY_DETECTION_STUFFING_IP_FAILURES": ("detection_stuffing_ip_failures", int),
    "RECOVERY_DETECTION_STUFFING_ACCOUNTS": ("detection_stuffing_accounts", int),
    "RECOVERY_DETECTION_NOTIFY_SCORE": ("detection_notify_score", int),
    "RECOVERY_DETECTION_STEP_UP_SCORE": ("detection_step_up_score", int),
    "RECOVERY_DETECTION_BLOCK_SCORE": ("detection_block_score", int),
    "RECOVERY_ALERT_DEDUP_MINUTES": ("alert_dedup_minutes", int),
    "RECOVERY_LOG_FORMAT": ("log_format", str),
    "RECOVERY_METRICS_PATH": ("metrics_path", str),
    "RECOVERY_METRICS_PORT": ("metrics_port", int),
    "RECOVERY_METRICS_TOKEN": ("metrics_token", str),
    "RECOVERY_WORKER_METRICS_ADDRESS": ("worker_metrics_address", str),
    "RECOVERY_WORKER_HEARTBEAT_SECONDS": ("worker_heartbeat_seconds", int),
    "RECOVERY_WORKER_STALE_MINUTES": ("worker_stale_minutes", int),
}


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict:
    """Read the RECOVERY_* variables into keyword arguments for Settings; malformed values fail loudly."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for name, (attr, convert) in _ENV_FIELDS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[attr] = convert(raw)
        except (ValueError, SettingsError) as exc:
            raise SettingsError(f"{name}: {exc}") from exc
    return values


def _instance_secret(instance_dir: Path, name: str, make) -> str:
    """A development secret generated once and kept under instance/, readable only by its owner."""
    path = instance_dir / name
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def build_settings(overrides: dict | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Environment first, then explicit overrides (tests, create_app(config=...)), then safe defaults."""
    values = settings_from_env(environ)
    values.update(overrides or {})
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"unknown settings: {sorted(unknown)}")
    if "base_url" not in values and "port" in values:
        values["base_url"] = base_url_on_port(values["port"])
    settings = Settings(**values)
    return _fill_defaults(settings)


def base_url_on_port(port: int) -> str:
    """The default base URL with another port: with RECOVERY_PORT=5731 and no RECOVERY_BASE_URL, emailed links
    point where `python3 -m recovery serve` listens, not at the default port."""
    default = urlsplit(Settings.base_url)
    return default._replace(netloc=f"{default.hostname}:{port}").geturl()


def _fill_defaults(settings: Settings) -> Settings:
    changes: dict = {}
    instance = Path(settings.instance_dir)
    if "mailbox_dir" not in changes and settings.mailbox_dir == PROJECT_ROOT / "instance" / "mailbox":
        changes["mailbox_dir"] = instance / "mailbox"
    if not settings.database_url:
        instance.mkdir(parents=True, exist_ok=True)
        changes["database_url"] = f"sqlite:///{instance / 'recovery.db'}"
    if settings.is_production:
        _require_production_secrets(settings)
    if not settings.secret_key:
        changes["secret_key"] = _instance_secret(instance, "secret_key", lambda: secrets.token_urlsafe(48))
    if not settings.encryption_keys:
        key = _instance_secret(instance, "encryption_key", lambda: Fernet.generate_key().decode())
        changes["encryption_keys"] = (key,)
    settings = dataclasses.replace(settings, **changes)
    _validate(settings)
    return settings


def _require_production_secrets(settings: Settings) -> None:
    if not settings.secret_key:
        raise SettingsError("RECOVERY_SECRET_KEY must be set when RECOVERY_ENV=production")
    if not settings.encryption_keys:
        raise SettingsError("RECOVERY_ENCRYPTION_KEYS must be set when RECOVERY_ENV=production")
    if not settings.uses_https:
        raise SettingsError("RECOVERY_BASE_URL must be https:// when RECOVERY_ENV=production")


def _validate_outbox(settings: Settings) -> None:
    """A worker renews its lease before each send while less than twice the send's deadline is left: a lease
    shorter than that could pass to another worker while the send is still running (a duplicate)."""
    longest = max(settings.smtp_timeout_seconds, settings.webhook_timeout_seconds)
    if min(settings.smtp_timeout_seconds, settings.webhook_timeout_seconds) <= 0:
        raise SettingsError("RECOVERY_SMTP_TIMEOUT_SECONDS and RECOVERY_WEBHOOK_TIMEOUT_SECONDS must be positive")
    if settings.outbox_lease_seconds <= 2 * longest:
        raise SettingsError("RECOVERY_OUTBOX_LEASE_SECONDS must be more than twice the longest send timeout "
                            f"({longest:g} s)")


def _validate_limits(settings: Settings) -> None:
    """The sign-in limits read per request: a malformed one fails at start-up, not at the first sign-in."""
    try:
        parse_many(settings.signin_network_limits)
        parse(settings.signin_attack_threshold)
    except ValueError as exc:
        raise SettingsError(f"RECOVERY_SIGNIN_NETWORK_LIMITS or RECOVERY_SIGNIN_ATTACK_THRESHOLD: {exc}") from exc


def _validate(settings: Settings) -> None:
    if len(settings.secret_key) < 32:
        raise SettingsError("RECOVERY_SECRET_KEY must be at least 32 characters")
    parts = urlsplit(settings.base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError("RECOVERY_BASE_URL must be an absolute http(s) URL")
    if settings.equal_time_floor_ms < 0:
        raise SettingsError("RECOVERY_EQUAL_TIME_FLOOR_MS must be 0 or more")
    if settings.signin_attack_network_cost < 1:
        raise SettingsError("RECOVERY_SIGNIN_ATTACK_NETWORK_COST must be 1 or more")
    _validate_limits(settings)
    if settings.trusted_proxies < 0:
        raise SettingsError("RECOVERY_TRUSTED_PROXIES must be 0 or more")
    for key in settings.encryption_keys:
        try:
            Fernet(key.encode())
        except ValueError as exc:
            raise SettingsError("RECOVERY_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc
    if settings.dev_mailbox and settings.env not in DEV_MAILBOX_ENVS:
        raise SettingsError("RECOVERY_DEV_MAILBOX publishes every emailed link: only for RECOVERY_ENV=development")
    if settings.is_production and settings.webhook_allowed_hosts:
        raise SettingsError("RECOVERY_WEBHOOK_ALLOWED_HOSTS is for development and tests, never production")
    _validate_outbox(settings)
    _validate_timeouts(settings)
    _validate_observability(settings)
    if settings.password_min_length_with_mfa < 8 or settings.password_min_length < 8:
        raise SettingsError("password minimum length below NIST's floor of 8")


def _validate_timeouts(settings: Settings) -> None:
    if settings.database_statement_timeout_seconds < 0:
        raise SettingsError("RECOVERY_DATABASE_STATEMENT_TIMEOUT_SECONDS must be 0 (off) or more")
    if settings.database_connect_timeout_seconds < 2:  # psycopg waits at least 2 s for a connection anyway
        raise SettingsError("RECOVERY_DATABASE_CONNECT_TIMEOUT_SECONDS must be 2 or more")
    if settings.database_pool_timeout_seconds <= 0 or settings.ratelimit_storage_timeout_seconds <= 0:
        raise SettingsError("RECOVERY_DATABASE_POOL_TIMEOUT_SECONDS and RECOVERY_RATELIMIT_STORAGE_TIMEOUT_SECONDS "
                            "must be more than 0")


def _validate_observability(settings: Settings) -> None:
    if settings.log_format not in {"", "json", "text"}:
        raise SettingsError("RECOVERY_LOG_FORMAT must be json or text")
    if not settings.metrics_path.startswith("/") or settings.metrics_path.startswith("//") or \
            any(ch in settings.metrics_path for ch in "?#<> "):
        raise SettingsError("RECOVERY_METRICS_PATH must be a path such as /metrics")
    if not 0 <= settings.metrics_port < 65536:
        raise SettingsError("RECOVERY_METRICS_PORT must be a port number, or 0 for none")
    if settings.metrics_token and len(settings.metrics_token) < 32:
        raise SettingsError("RECOVERY_METRICS_TOKEN must be at least 32 characters")
    if settings.worker_metrics_address:
        host, _, port = settings.worker_metrics_address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError("RECOVERY_WORKER_METRICS_ADDRESS must be host:port, e.g. 127.0.0.1:9101")
    if settings.worker_heartbeat_seconds < 1 or settings.worker_stale_minutes < 1 or \
            settings.worker_stale_minutes * 60 <= 2 * settings.worker_heartbeat_seconds:
        raise SettingsError("RECOVERY_WORKER_STALE_MINUTES must be more than two heartbeats "
                            "(RECOVERY_WORKER_HEARTBEAT_SECONDS)")
