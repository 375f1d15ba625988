"""The one table `python -m bench` prints and writes as JSON: rows, targets, and why a figure is missing."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

JSON_KEYS = ("figure", "value", "unit", "peer", "peer_value", "ratio", "target", "met")


@dataclass(frozen=True)
class Target:
    """A bound on a row's ratio (or value): `>= 0.92`, `<= 20`, or `== 1.00 +- 0.02`."""

    op: str  # ">=", "<=" or "=="
    bound: float
    tolerance: float = 0.0
    on: str = "ratio"  # or "value"
    text: str = ""

    def describe(self) -> str:
        if self.text:
            return self.text
        if self.op == "==":
            return f"{self.bound:.2f} ± {self.tolerance:g}"
        return f"{'≥' if self.op == '>=' else '≤'} {self.bound:g}"

    def met_by(self, number: float | None) -> bool | None:
        if number is None or math.isnan(number):
            return None
        if self.op == ">=":
            return number >= self.bound
        if self.op == "<=":
            return number <= self.bound
        return abs(number - self.bound) <= self.tolerance + 1e-12


@dataclass
class Row:
    """One figure; `note` says why a value is missing ("not available yet: ...") and never goes to JSON."""

    figure: str
    value: float | None
    unit: str
    peer: str | None = None
    peer_value: float | None = None
    ratio: float | None = None
    target: Target | None = None
    note: str | None = None
    missing: str = "not available yet"  # what the value cell says when value is None
    extra: dict = field(default_factory=dict)  # details for docs/performance.md, not part of the table

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.target.met_by(self.ratio if self.target.on == "ratio" else self.value)

    def as_json(self) -> dict:
        return {"figure": self.figure, "value": _finite(self.value), "unit": self.unit, "peer": self.peer,
                "peer_value": _finite(self.peer_value), "ratio": _finite(self.ratio),
                "target": self.target.describe() if self.target else None, "met": self.met}


def ratio_of(value: float | None, other: float | None) -> float | None:
    if value is None or other is None or other == 0:
        return None
    return value / other


def pending(figure: str, unit: str, why: str, *, peer: str | None = None, peer_value: float | None = None,
            target: Target | None = None, missing: str = "not available yet") -> Row:
    """A row for a figure whose part of recovery has not landed (or needs --postgres): no invented number."""
    return Row(figure, None, unit, peer=peer, peer_value=peer_value, target=target, note=why, missing=missing)


def _finite(number: float | None) -> float | None:
    if number is None or math.isnan(number) or math.isinf(number):
        return None
    return round(number, 4)


def _number(number: float | None) -> str:
    if number is None:
        return ""
    magnitude = abs(number)
    if magnitude >= 1000:
        return f"{number:,.0f}"
    if magnitude >= 100:
        return f"{number:.0f}"
    if magnitude >= 10:
        return f"{number:.1f}"
    return f"{number:.2f}" if magnitude >= 1 or magnitude == 0 else f"{number:.3f}"


def _ratio(number: float | None) -> str:
    return "" if number is None else f"{number:.3f}"


def _met(row: Row) -> str:
    return {True: "yes", False: "NO", None: ""}[row.met]


def _note_number(notes: list[str], note: str) -> int:
    """Rows sharing a reason share its footnote."""
    if note not in notes:
        notes.append(note)
    return notes.index(note) + 1


def format_table(rows: list[Row]) -> str:
    """Aligned plain text (also valid Markdown when wrapped by format_markdown); notes listed below."""
    header = ("figure", "value", "unit", "peer", "peer value", "ratio", "target", "met")
    notes: list[str] = []
    body = []
    for row in rows:
        value = _number(row.value) if row.value is not None else row.missing
        if row.note:
            value = f"{value} [{_note_number(notes, row.note)}]"
        body.append((row.figure, value, row.unit, row.peer or "", _number(row.peer_value), _ratio(row.ratio),
                     row.target.describe() if row.target else "", _met(row)))
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    right = {1, 4, 5}
    lines = []
    for line in (header, tuple("-" * w for w in widths), *body):
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        lines.append("  ".join(cells).rstrip())
    lines += [f"[{number}] {note}" for number, note in enumerate(notes, 1)]
    return "\n".join(lines)


def format_markdown(rows: list[Row]) -> str:
    """The same table as a Markdown table, for README.md and docs/performance.md."""
    lines = ["| figure | value | unit | peer | peer value | ratio | target | met |",
             "|---|--:|---|---|--:|--:|---|---|"]
    notes: list[str] = []
    for row in rows:
        value = _number(row.value) if row.value is not None else f"*{row.missing}*"
        if row.note:
            value = f"{value} [{_note_number(notes, row.note)}]"
        cells = (row.figure, value, row.unit, row.peer or "", _number(row.peer_value), _ratio(row.ratio),
                 row.target.describe() if row.target else "", _met(row))
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if notes:
        lines.append("")
        lines += [f"{number}. {note}" for number, note in enumerate(notes, 1)]
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path) -> None:
    path.write_text(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False) + "\n")
