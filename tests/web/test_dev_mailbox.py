"""The development mailbox lists every emailed link: served only when asked for, only in development, only to a
browser on this machine. Loopback alone proves nothing behind a proxy on the same host."""

import pytest
from cryptography.fernet import Fernet

from recovery.settings import SettingsError, build_settings

PROXIED = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.50"}  # nginx on this host, no trusted hops


def test_dev_mailbox_answers_a_local_browser_when_asked_for(make_app):
    assert make_app(dev_mailbox=True).test_client().get("/dev/mailbox").status_code == 200


def test_dev_mailbox_is_not_found_unless_asked_for(client):
    assert client.get("/dev/mailbox").status_code == 404
    assert client.get("/dev/mailbox/anything.eml").status_code == 404


@pytest.mark.parametrize("header", [{"HTTP_X_FORWARDED_FOR": "203.0.113.50"}, {"HTTP_FORWARDED": "for=203.0.113.50"},
                                    {"HTTP_X_REAL_IP": "203.0.113.50"}, {"base_url": "http://recovery.example.com"}])
def test_dev_mailbox_is_not_found_through_a_proxy_on_the_same_host_even_when_asked_for(make_app, header):
    """Behind a same-host proxy with RECOVERY_TRUSTED_PROXIES=0 every visitor arrives from 127.0.0.1, and `serve`
    turns the mailbox on in development: a forwarding header or a public host name gives the proxy away."""
    client = make_app(dev_mailbox=True).test_client()
    base_url = header.pop("base_url", "http://localhost")
    for path in ("/dev/mailbox", "/dev/mailbox/anything.eml"):
        response = client.get(path, base_url=base_url, environ_base={"REMOTE_ADDR": "127.0.0.1", **header})
        assert response.status_code == 404


def test_dev_mailbox_is_not_found_from_another_machine(make_app):
    client = make_app(dev_mailbox=True).test_client()
    response = client.get("/dev/mailbox", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 404
    response = client.get("/dev/mailbox/anything.eml", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 404


@pytest.mark.parametrize("env", ["production", "staging"])
def test_asking_for_the_dev_mailbox_outside_development_refuses_to_start(env, tmp_path):
    with pytest.raises(SettingsError, match="RECOVERY_DEV_MAILBOX"):
        build_settings({"env": env, "instance_dir": tmp_path, "base_url": "https://recovery.example.test",
                        "secret_key": "s" * 40, "encryption_keys": (Fernet.generate_key().decode(),)},
                       environ={"RECOVERY_DEV_MAILBOX": "true"})


def test_staff_outbox_page_renders_in_chinese(client, people):
    people.sign_in(people.add("sec@example.test", role="security", locale="zh_Hans"))
    html = client.get("/staff/outbox", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "发件箱" in html and "Outbox" not in html
