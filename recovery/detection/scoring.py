"""Risk scoring: the findings of the rules add up to a score, and the score picks one action."""

from __future__ import annotations

from dataclasses import dataclass, field

from recovery.detection.policy import DetectionPolicy
from recovery.detection.rules import Finding, History, Seen, evaluate

ALLOW, NOTIFY, STEP_UP, BLOCK = "allow", "notify", "step_up", "block"
# Findings that ask for at least a step-up whatever the score, and never more on their own.
STEP_UP_FLOOR = frozenset({"unfamiliar_during_attack"})


@dataclass(frozen=True)
class Assessment:
    score: int
    action: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [finding.rule for finding in self.findings]

    @property
    def evidence(self) -> dict:
        return {finding.rule: finding.detail for finding in self.findings if finding.detail}


def action_for(score: int, policy: DetectionPolicy) -> str:
    if score >= policy.block_score:
        return BLOCK
    if score >= policy.step_up_score:
        return STEP_UP
    if score >= policy.notify_score:
        return NOTIFY
    return ALLOW


def assess(attempt: Seen, history: History, policy: DetectionPolicy) -> Assessment:
    findings = evaluate(attempt, history, policy)
    score = min(sum(finding.weight for finding in findings), 1000)
    action = action_for(score, policy)
    if action in (ALLOW, NOTIFY) and any(finding.rule in STEP_UP_FLOOR for finding in findings):
        action = STEP_UP
    return Assessment(score=score, action=action, findings=findings)
