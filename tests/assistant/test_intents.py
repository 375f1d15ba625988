"""Intent recognition in both languages: the rules table, with colloquial and misspelt phrasing."""

import pytest

from recovery.assistant.intents import HANDOFF_INTENTS, asks_for_person, recognise

TABLE = [
    # English
    ("I forgot my password", "reset"),
    ("forgot password", "reset"),
    ("how do I reset my pasword", "reset"),
    ("I'm locked out and can't sign in", "reset"),
    ("my account got hacked", "stolen"),
    ("Someone else is using my account", "stolen"),
    ("I got an email about a login that wasn't me", "stolen"),
    ("somebody changed my password, I was hacked and forgot it", "stolen"),
    ("someone logged into my account and changed the password", "stolen"),
    ("I lost my phone", "lost_factor"),
    ("new phone, my authenticator codes are gone", "lost_factor"),
    ("cant login lost phone", "lost_factor"),
    ("My account was banned", "appeal"),
    ("account suspended for no reason", "appeal"),
    ("I want to dispute the decision on my appeal", "dispute"),
    ("This is unfair, I disagree", "dispute"),
    ("I lost access to my email", "lost_email"),
    ("what is the status of my request", "status"),
    ("got a suspicious phishing email", "suspicious"),
    # Chinese: no spaces, matched on substrings
    ("我的号被盗了", "stolen"),
    ("号被盗了怎么办", "stolen"),
    ("有人盗号", "stolen"),
    ("账号被别人登录了", "stolen"),
    ("忘记密码了", "reset"),
    ("密码忘了怎么找回", "reset"),
    ("我换手机了，收不到验证码", "lost_factor"),
    ("身份验证器没了", "lost_factor"),
    ("我被封号了", "appeal"),
    ("账号被锁定", "appeal"),
    ("我不同意这个处理结果，要投诉", "dispute"),
    ("邮箱登不上了", "lost_email"),
    ("我的申诉进度", "status"),
    ("收到钓鱼邮件", "suspicious"),
    # Full-width letters read as ASCII (NFKC)
    ("ＨＡＣＫＥＤ", "stolen"),
]


@pytest.mark.parametrize(("message", "expected"), TABLE)
def test_recognises_the_intent(message, expected):
    intent = recognise(message)
    assert intent is not None and intent.name == expected


@pytest.mark.parametrize("message", ["bank holiday opening times", "asdf qwer", "你好", "the weather is nice"])
def test_nothing_recognised_when_no_rule_matches(message):
    assert recognise(message) is None


def test_english_keywords_match_whole_words_only():
    assert recognise("my bank account") is None  # "ban" is not inside "bank"


@pytest.mark.parametrize("message", ["talk to a person", "I want a human", "转人工", "我要人工客服"])
def test_asking_for_a_person(message):
    assert asks_for_person(message)


def test_a_stolen_account_and_a_dispute_hand_off():
    assert {"stolen", "dispute"} <= HANDOFF_INTENTS
    assert recognise("我的号被盗了").category == "stolen_account"
