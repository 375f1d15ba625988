"""The development mailbox answers only a browser on this machine, so a misconfigured staging host leaks nothing."""


def test_dev_mailbox_answers_a_local_browser(client):
    assert client.get("/dev/mailbox").status_code == 200


def test_dev_mailbox_is_not_found_from_another_machine(client):
    response = client.get("/dev/mailbox", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 404
    response = client.get("/dev/mailbox/anything.eml", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 404
