"""The guided "what's wrong?" flow (/help/start): a few plain questions, each step its own URL (linkable from an
email, working without JavaScript: every answer is a link), landing in the flow that fixes the trouble."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for

from recovery.errors import N_, NotFound

bp = Blueprint("guide", __name__)


@dataclass(frozen=True)
class Answer:
    label: str  # msgid
    step: str | None = None  # the next question, or
    destination: str | None = None  # where the flow lands (a key of DESTINATIONS)


@dataclass(frozen=True)
class Step:
    question: str  # msgid
    hint: str | None
    answers: tuple[Answer, ...]
    back: str | None  # the step before this one (the flow is a tree: one way in)


# Where the flow lands: (endpoint, arguments, msgid of what happens there).
DESTINATIONS: dict[str, tuple[str, dict, str]] = {
    "reset": ("reset.forgot", {}, N_("Choose a new password")),
    "recovery-codes": ("signin.password", {}, N_("Sign in with a recovery code")),
    "secure": ("detection.secure_account", {}, N_("Secure my account")),
    "appeal": ("tickets_intake.appeal", {"reason": "account_locked"}, N_("Ask us to review my account")),
    "appeal-factor": ("tickets_intake.appeal", {"reason": "lost_second_factor"},
                      N_("Ask us to reset two-step verification")),
    "recover": ("tickets_intake.recovery_request", {}, N_("Ask for account recovery")),
    "assistant": ("assistant.new", {}, N_("Ask the assistant")),
}

YES, NO = N_("Yes"), N_("No")
STEPS: dict[str, Step] = {
    "start": Step(N_("Can you sign in to your account?"), None,
                  (Answer(YES, step="signed-in"), Answer(NO, step="locked")), None),
    "signed-in": Step(N_("Did you get an email about a sign-in you did not make, or see activity you do not "
                         "recognise?"), None,
                      (Answer(YES, destination="secure"), Answer(NO, destination="assistant")), "start"),
    "locked": Step(N_("Does a message say your account is locked, suspended or banned?"), None,
                   (Answer(YES, destination="appeal"), Answer(NO, step="taken")), "start"),
    "taken": Step(N_("Do you think someone else got into your account?"),
                  N_("For example, your password was changed, or you got an email about a sign-in you did not "
                     "make."),
                  (Answer(YES, destination="secure"), Answer(NO, step="email")), "locked"),
    "email": Step(N_("Can you still read the email of your account?"), None,
                  (Answer(YES, step="factor"), Answer(NO, destination="recover")), "taken"),
    "factor": Step(N_("After your password, does your account ask for a code from your phone or authenticator "
                      "app?"), None,
                   (Answer(YES, step="phone"), Answer(NO, destination="reset")), "email"),
    "phone": Step(N_("Do you still have that phone or authenticator app?"),
                  N_("With it, a new password is all you need."),
                  (Answer(YES, destination="reset"), Answer(NO, step="codes")), "factor"),
    "codes": Step(N_("Do you have your recovery codes?"),
                  N_("The codes you saved when you turned on two-step verification."),
                  (Answer(YES, destination="recovery-codes"), Answer(NO, destination="appeal-factor")), "phone"),
}


def answer_href(answer: Answer) -> str:
    if answer.step is not None:
        return url_for("guide.step", step=answer.step)
    endpoint, arguments, _label = DESTINATIONS[answer.destination or "assistant"]
    return url_for(endpoint, **arguments)


def answer_text(answer: Answer) -> str:
    """What an answer that lands says it leads to (shown under the yes or no)."""
    return DESTINATIONS[answer.destination][2] if answer.destination else ""


@bp.get("/help/start", defaults={"step": "start"})
@bp.get("/help/start/<step>")
def step(step: str):
    current = STEPS.get(step)
    if current is None:
        raise NotFound()
    back = url_for("guide.step", step=current.back) if current.back else None
    return render_template("assistant/start.html", step_name=step, step=current, back=back,
                           href=answer_href, leads_to=answer_text, number=_depth(step))


def _depth(step: str) -> int:
    depth, current = 1, STEPS[step]
    while current.back is not None:
        depth, current = depth + 1, STEPS[current.back]
    return depth
