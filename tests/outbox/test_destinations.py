"""Webhook destinations: strict URLs, public addresses only (numeric and embedded forms too), production rules."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from helpers.outbox import PUBLIC_ADDRESS, fake_resolver

from recovery.outbox.destinations import DestinationPolicy, UnsafeDestination
from recovery.settings import SettingsError
from recovery.web.context import runtime

PUBLIC = DestinationPolicy(resolve=fake_resolver())


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/", "https://127.0.0.1:6379/", "https://[::1]/", "https://10.0.0.5:8443",
    "https://0x7f000001/", "https://2130706433/", "https://127.1/", "https://0.0.0.0/", "https://[::]/",
    "https://100.64.0.1/", "https://192.168.1.10/", "https://172.16.0.1/", "https://224.0.0.1/",
    "https://240.0.0.1/", "https://[fe80::1]/", "https://[fc00::1]/", "https://[::ffff:127.0.0.1]/",
    "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:7f00:1::1]/", "https://localhost/",
])
def test_check_non_public_address_is_refused(url):
    with pytest.raises(UnsafeDestination) as caught:
        PUBLIC.check(url)
    assert caught.value.reason == "not_public"


@pytest.mark.parametrize("url", ["http://hooks.example.com/h", "ftp://hooks.example.com/h", "https:///h",
                                 "https://user:pw@hooks.example.com/h", "https://hooks.example.com:99999/h",
                                 "https://hooks.example.com:0/h", "https://hooks.example.com/a b",
                                 "https://hooks.example.com/" + "a" * 2048])
def test_check_malformed_or_plain_http_url_is_refused(url):
    with pytest.raises(UnsafeDestination) as caught:
        PUBLIC.check(url)
    assert caught.value.reason == "url"


def test_check_public_host_gives_the_address_to_connect_to():
    destination = PUBLIC.check("https://Hooks.Example.com/in?k=v")
    assert (destination.scheme, destination.host, destination.port) == ("https", "hooks.example.com", 443)
    assert destination.target == "/in?k=v" and destination.address == PUBLIC_ADDRESS


def test_check_host_that_does_not_resolve_is_unresolvable():
    def resolve(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeDestination) as caught:
        DestinationPolicy(resolve=resolve).check("https://nowhere.example.net/")
    assert caught.value.reason == "unresolvable"


def test_policy_from_settings_production_allows_only_https_and_no_allow_list(app):
    settings = runtime(app).settings
    assert DestinationPolicy.from_settings(settings).allow_http  # testing: http for local receivers
    production = replace(settings, env="production", extra={})
    assert not DestinationPolicy.from_settings(production).allow_http
    with pytest.raises(SettingsError):
        DestinationPolicy.from_settings(replace(production, extra={"webhook_allowed_hosts": {"127.0.0.1"}}))


def test_production_app_with_a_webhook_allow_list_does_not_start(make_app):
    with pytest.raises(SettingsError):
        make_app(env="production", encryption_keys=(Fernet.generate_key().decode(),),
                 extra={"webhook_allowed_hosts": {"127.0.0.1"}})
