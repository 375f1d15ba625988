"""Settings come from RECOVERY_* variables, have safe defaults, and refuse unsafe production set-ups."""

import pytest

from recovery.settings import SettingsError, build_settings


def test_development_defaults_generate_and_keep_secrets(tmp_path):
    first = build_settings({"instance_dir": tmp_path}, environ={})
    second = build_settings({"instance_dir": tmp_path}, environ={})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert first.encryption_keys == second.encryption_keys
    assert first.database_url == f"sqlite:///{tmp_path / 'recovery.db'}"
    assert first.ratelimit_storage_uri == "memory://"
    assert first.uses_local_mailbox
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="RECOVERY_SECRET_KEY"):
        build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_ENV": "production",
                                                           "RECOVERY_BASE_URL": "https://a.example"})


def test_production_refuses_plain_http_base_url(tmp_path):
    environ = {"RECOVERY_ENV": "production", "RECOVERY_SECRET_KEY": "k" * 40,
               "RECOVERY_ENCRYPTION_KEYS": "4OJiaRAVJOqJbyOj9V-Db1e-32b6aOvkZcrNrhv5f5w="}
    with pytest.raises(SettingsError, match="https"):
        build_settings({"instance_dir": tmp_path}, environ=environ)


def test_environment_variables_are_read(tmp_path):
    environ = {"RECOVERY_TRUSTED_PROXIES": "2", "RECOVERY_SMTP_HOST": "mail.internal", "RECOVERY_SMTP_PORT": "2525",
               "RECOVERY_SMTP_STARTTLS": "false", "RECOVERY_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
               "RECOVERY_BASE_URL": "https://recovery.example.com", "RECOVERY_PORT": "8080"}
    settings = build_settings({"instance_dir": tmp_path}, environ=environ)
    assert (settings.trusted_proxies, settings.smtp_host, settings.smtp_port) == (2, "mail.internal", 2525)
    assert settings.smtp_starttls is False and not settings.uses_local_mailbox
    assert settings.uses_https and settings.port == 8080


def test_signin_limits_are_read_and_the_old_global_limit_is_the_signal_threshold(tmp_path):
    environ = {"RECOVERY_SIGNIN_NETWORK_LIMITS": "20 per 5 minutes", "RECOVERY_GLOBAL_SIGNIN_LIMIT": "500 per minute",
               "RECOVERY_SIGNIN_ATTACK_NETWORK_COST": "3"}
    settings = build_settings({"instance_dir": tmp_path}, environ=environ)
    assert (settings.signin_network_limits, settings.signin_attack_threshold, settings.signin_attack_network_cost) \
        == ("20 per 5 minutes", "500 per minute", 3)
    both = {**environ, "RECOVERY_SIGNIN_ATTACK_THRESHOLD": "2000 per 5 minutes"}  # the new name wins
    assert build_settings({"instance_dir": tmp_path}, environ=both).signin_attack_threshold == "2000 per 5 minutes"
    for name, value in (("RECOVERY_SIGNIN_ATTACK_NETWORK_COST", "0"), ("RECOVERY_SIGNIN_ATTACK_THRESHOLD", "lots"),
                        ("RECOVERY_SIGNIN_NETWORK_LIMITS", "10 per fortnight")):
        with pytest.raises(SettingsError):
            build_settings({"instance_dir": tmp_path}, environ={name: value})


@pytest.mark.parametrize("name, value", [("RECOVERY_TRUSTED_PROXIES", "many"), ("RECOVERY_SMTP_STARTTLS", "perhaps"),
                                         ("RECOVERY_BASE_URL", "recovery.example.com"),
                                         ("RECOVERY_ENCRYPTION_KEYS", "not-a-fernet-key")])
def test_malformed_values_fail_at_start_up(tmp_path, name, value):
    with pytest.raises(SettingsError):
        build_settings({"instance_dir": tmp_path}, environ={name: value})


def test_webhook_allowed_hosts_are_read_but_refused_in_production(tmp_path):
    settings = build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1, ::1"})
    assert settings.webhook_allowed_hosts == ("127.0.0.1", "::1")
    environ = {"RECOVERY_ENV": "production", "RECOVERY_SECRET_KEY": "k" * 40,
               "RECOVERY_BASE_URL": "https://recovery.example.com", "RECOVERY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
               "RECOVERY_ENCRYPTION_KEYS": "4OJiaRAVJOqJbyOj9V-Db1e-32b6aOvkZcrNrhv5f5w="}
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOWED_HOSTS"):
        build_settings({"instance_dir": tmp_path}, environ=environ)


def test_database_pre_ping_is_off_unless_asked_for(tmp_path):
    assert build_settings({"instance_dir": tmp_path}, environ={}).database_pre_ping is False
    asked = build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_DATABASE_PRE_PING": "true"})
    assert asked.database_pre_ping is True


def test_timeouts_are_read_and_a_negative_or_zero_one_is_refused(tmp_path):
    environ = {"RECOVERY_DATABASE_STATEMENT_TIMEOUT_SECONDS": "2.5", "RECOVERY_DATABASE_CONNECT_TIMEOUT_SECONDS": "4",
               "RECOVERY_DATABASE_POOL_TIMEOUT_SECONDS": "1.5", "RECOVERY_RATELIMIT_STORAGE_TIMEOUT_SECONDS": "0.25"}
    settings = build_settings({"instance_dir": tmp_path}, environ=environ)
    assert (settings.database_statement_timeout_seconds, settings.database_connect_timeout_seconds,
            settings.database_pool_timeout_seconds, settings.ratelimit_storage_timeout_seconds) == (2.5, 4, 1.5, 0.25)
    with pytest.raises(SettingsError, match="RECOVERY_DATABASE_STATEMENT_TIMEOUT_SECONDS"):
        build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_DATABASE_STATEMENT_TIMEOUT_SECONDS": "-1"})
    with pytest.raises(SettingsError, match="RECOVERY_RATELIMIT_STORAGE_TIMEOUT_SECONDS"):
        build_settings({"instance_dir": tmp_path}, environ={"RECOVERY_RATELIMIT_STORAGE_TIMEOUT_SECONDS": "0"})
