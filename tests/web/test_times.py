"""Every time a person reads on a page goes through `when` (templates/_display.html): in their zone and language,
UTC on hover. A template that formats a time itself (`|utc`, `datetimeformat`, `strftime`) shows UTC or the
server's choice instead; staff consoles, which work in UTC on purpose, and emails (recovery.times.format_when
with the recipient's zone) are outside this check."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Staff consoles (UTC by design: agents in many zones compare times), emails, the development mailbox.
OUTSIDE = ("email/", "staff/", "dev/", "alerts/", "outbox/", "events/staff_list.html", "tickets/ticket.html",
           "tickets/queue.html", "tickets/queues.html", "tickets/metrics.html", "_display.html")
SELF_FORMATTED = re.compile(r"\|\s*utc\b|datetimeformat|dateformat|timeformat|strftime|isoformat")


def test_person_facing_templates_show_times_only_through_when():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith(OUTSIDE):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SELF_FORMATTED.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, "format these times with when() from _display.html:\n" + "\n".join(found)
