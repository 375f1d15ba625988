"""What a person means, from rules and keywords in English and Chinese: no model, no network, microseconds a turn.

Text is normalised first (NFKC, so full-width letters and punctuation read as ASCII; case folded; apostrophes
dropped, so "can't" and "cant" are one word). English keywords match on word boundaries, so "ban" never fires
inside "bank"; Chinese keywords match as substrings, since Chinese has no spaces and a keyword of two or more
characters is already specific ("被盗" in "我的号被盗了"). The first intent of `ORDER` with a hit wins: the
intents the assistant must not handle alone (a dispute, a stolen account) come first, so "someone hacked me and
I forgot my password" is a stolen account, not a reset.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from recovery.errors import N_


@dataclass(frozen=True)
class Intent:
    name: str
    category: str  # the ticket category a hand-off opens with (recovery.tickets.models.CATEGORIES)
    actions: tuple[str, ...]  # action names (recovery.help.actions) offered at once
    reply: str  # msgid: what the assistant says first
    handoff: bool = False  # hand off to a person at once, whatever else the reply offers
    english: tuple[str, ...] = ()
    chinese: tuple[str, ...] = ()


INTENTS: dict[str, Intent] = {intent.name: intent for intent in (
    Intent("human", "other", (), N_("I will pass you to a person on our support team."), handoff=True,
           english=("talk to a person", "talk to a human", "real person", "human", "agent", "speak to someone",
                    "talk to someone", "customer service", "live chat", "operator"),
           chinese=("人工", "转人工", "真人", "人工客服", "客服人员", "找客服")),
    Intent("dispute", "other", ("requests",),
           N_("I am sorry you disagree with a decision. I am passing this to a person on our support team, "
              "who will read the whole conversation."), handoff=True,
           english=("dispute", "disagree", "unfair", "wrong decision", "complaint", "complain", "not fair",
                    "chargeback", "contest the decision", "appeal was rejected", "appeal was denied"),
           chinese=("争议", "不同意", "不公平", "投诉", "申诉被拒", "申诉失败", "不服", "驳回")),
    Intent("stolen", "stolen_account", ("secure",),
           N_("Someone else may have your account. Secure it now: we sign everyone out and lock it. I am also "
              "opening an urgent request with our security team, who will help you back in."), handoff=True,
           english=("hacked", "hacker", "hackd", "hijacked", "stolen", "stole my account", "someone else",
                    "somebody else", "not me", "wasnt me", "compromised", "took over", "taken over",
                    "someone logged in", "someone signed in", "someone logged into", "someone signed into",
                    "someone got into", "someone changed my password", "takeover"),
           chinese=("被盗", "盗号", "号被盗", "被黑", "黑客", "被人登录", "别人登录", "别人登陆", "被人改了密码",
                    "不是我", "被入侵", "被别人", "被人盗", "号没了")),
    Intent("lost_email", "account_recovery", ("recover",),
           N_("Without your email we cannot send you a link or a code. Ask for account recovery: you prove "
              "a new contact, we check your answers, and the account's old addresses can cancel it."),
           english=("lost access to my email", "lost my email", "no access to my email", "cant access my email",
                    "lost everything", "email was hacked", "email is hacked", "no longer have the email",
                    "old email", "email address is gone", "lost access to everything"),
           chinese=("邮箱登不上", "邮箱丢", "邮箱没了", "没有邮箱", "无法访问邮箱", "邮箱被盗", "邮箱不用了",
                    "旧邮箱", "什么都没有了", "全部丢失")),
    Intent("lost_factor", "mfa_reset", ("recovery-codes", "appeal"),
           N_("Lost your phone or authenticator app? Sign in with one of your recovery codes instead of the "
              "app's code. Without them, ask us to reset your two-step verification."),
           english=("lost phone", "lost my phone", "new phone", "changed phone", "phone was stolen", "broken phone",
                    "authenticator", "2fa", "two factor", "two-step", "two step", "verification app",
                    "google authenticator", "otp", "code app", "second factor", "recovery code", "backup code"),
           chinese=("换手机", "手机丢", "手机掉", "手机坏", "新手机", "身份验证器", "验证器", "两步验证", "动态码",
                    "恢复码", "收不到验证码", "验证码")),
    Intent("reset", "other", ("reset",),
           N_("Forgot your password? We email you a link to choose a new one. It never removes your two-step "
              "verification."),
           english=("forgot password", "forgot my password", "forgotten password", "forgot pass", "reset password",
                    "reset my password", "password reset", "change my password", "wrong password",
                    "dont remember my password", "cant remember my password", "pasword", "passwrod",
                    "locked out", "cant sign in", "cant log in", "cant login", "cannot sign in", "forgot",
                    "password"),
           chinese=("忘记密码", "忘了密码", "密码忘", "重置密码", "找回密码", "密码错误", "密码不对", "改密码",
                    "修改密码", "登录不了", "登不上", "无法登录", "密码")),
    Intent("appeal", "unblock_appeal", ("appeal",),
           N_("If your account is locked, suspended or banned, ask us to review it. We send a code to the "
              "addresses on the account to confirm it is you."),
           english=("banned", "ban", "suspended", "suspension", "locked", "blocked", "disabled", "deactivated",
                    "unban", "unlock", "restricted", "appeal"),
           chinese=("封号", "封禁", "被封", "锁定", "冻结", "暂停", "解封", "停用", "限制", "申诉", "被锁")),
    Intent("suspicious", "other", ("secure", "security"),
           N_("Got an email about a sign-in you do not recognise? If it was not you, secure your account now. "
              "If it was you, there is nothing to do."),
           english=("new sign in", "new sign-in", "signin email", "sign-in email", "login alert", "strange login",
                    "unknown device", "suspicious", "phishing", "scam", "fake email"),
           chinese=("新登录", "登录提醒", "陌生设备", "异地登录", "可疑", "钓鱼", "诈骗", "陌生登录")),
    Intent("status", "other", ("requests",),
           N_("You can see where each of your requests stands, and what happens next, under My requests."),
           english=("status", "my request", "my appeal", "how long", "any update", "progress", "waiting"),
           chinese=("进度", "状态", "多久", "我的请求", "等了", "结果")),
)}
ORDER = ("dispute", "stolen", "lost_email", "lost_factor", "reset", "status", "appeal", "suspicious")
HANDOFF_INTENTS = frozenset(name for name, intent in INTENTS.items() if intent.handoff)

_APOSTROPHES = re.compile(r"['’`]")
_SPACES = re.compile(r"[\s\-_/.,!?;:()\"]+")


def normalise(text: str) -> str:
    """NFKC, case folded, apostrophes dropped, punctuation and runs of space as one space, padded with spaces."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return f" {_SPACES.sub(' ', _APOSTROPHES.sub('', folded)).strip()} "


def _english_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    spelled = sorted((normalise(word).strip() for word in words), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(word) for word in spelled) + r")(?![a-z0-9])")


_PATTERNS = {name: _english_pattern(intent.english) for name, intent in INTENTS.items()}


def matches(intent: Intent, text: str) -> bool:
    """Whether normalised `text` holds one of the intent's keywords."""
    return any(word in text for word in intent.chinese) or bool(_PATTERNS[intent.name].search(text))


def recognise(message: str) -> Intent | None:
    """The intent of one message, or None when no rule matches (retrieval may still answer). Asking for a
    person is not among them: it is said beside what the trouble is (`asks_for_person`)."""
    text = normalise(message)
    return next((INTENTS[name] for name in ORDER if matches(INTENTS[name], text)), None)


def asks_for_person(message: str) -> bool:
    return matches(INTENTS["human"], normalise(message))


# Words that say nothing about the trouble: an article sharing only these with a message does not answer it.
_STOP = frozenset("the and for you your are was what how can cant not with this that have has does did why when "
                  "who about from into there they them would could should will just get got its all any but out "
                  "now too very want need help please thanks thank hello okay account".split())
_WORD = re.compile(r"[a-z0-9]{3,}")
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def shares_a_word(message: str, text: str) -> bool:
    """Whether the message and an article's title and summary share a meaningful word (an English word of three
    letters or more, its ending trimmed; a pair of Chinese characters). Retrieval is typo tolerant and always
    finds something: an article that shares no word answers nothing, and the turn counts as unanswered."""
    said, written = normalise(message), normalise(text)
    stems = {word[:max(4, len(word) - 2)] for word in _WORD.findall(said) if word not in _STOP}
    pairs = {run[i:i + 2] for run in _HAN.findall(said) for i in range(len(run) - 1)}
    return any(stem in written for stem in stems) or any(pair in written for pair in pairs)
