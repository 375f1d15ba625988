"""The checks every user page passes in the browser: no horizontal overflow at a phone's width, no console error,
and no WCAG 2.2 A/AA violation of serious or critical impact found by axe-core.

axe-core (the `axe-core@4` npm package's axe.min.js, MPL-2.0) is vendored in tests/browser/vendor/ so CI needs no
npm; RECOVERY_AXE_JS names another copy. A missing script fails the checks, it never skips them. The script is
evaluated through the DevTools protocol, which the page's CSP does not govern, so the page keeps its real CSP and
a violation of it still shows as a console error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

VENDORED_AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")
# Chromium logs a document answered with an error status (our 404 and 400 pages) as a console error.
_ERROR_STATUS = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


def axe_source() -> str:
    path = Path(os.environ.get("RECOVERY_AXE_JS") or VENDORED_AXE)
    assert path.is_file(), f"axe-core's axe.min.js is missing at {path} (set RECOVERY_AXE_JS, or restore the copy)"
    return path.read_text(encoding="utf-8")


@dataclass
class Finding:
    """What one page showed at one size: axe's violations (all, and the blocking ones), console errors, overflow."""

    page: str
    size: str
    violations: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    overflow_px: int = 0

    @property
    def blocking(self) -> list[dict]:
        return [v for v in self.violations if v.get("impact") in BLOCKING_IMPACTS]

    def problems(self) -> list[str]:
        where = f"{self.page} at {self.size}"
        found = [f"{where}: axe {v['id']} ({v['impact']}) on {[n['target'] for n in v['nodes']][:3]}: {v['help']}"
                 for v in self.blocking]
        found += [f"{where}: console error: {message}" for message in self.console_errors]
        if self.overflow_px:
            found.append(f"{where}: scrolls sideways by {self.overflow_px} px")
        return found


class PageChecker:
    """One browser page for a whole walk: each visit is checked at every size by resizing the page (the layout is
    CSS alone, so a resize lays it out as a fresh load would), which halves the navigations, sign-ins and flows."""

    def __init__(self, browser, *, sizes: dict[str, tuple[int, int]], locale: str, axe: str,
                 screenshots: Path | None = None) -> None:
        self.sizes, self.axe, self.screenshots = sizes, axe, screenshots
        width, height = next(iter(sizes.values()))
        self.context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                           extra_http_headers={"Accept-Language": locale})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self._messages: list[str] = []
        self.checked_urls: list[str] = []  # every page checked, for the walk's coverage of the URL map
        self.page.on("console", lambda message: message.type == "error" and self._messages.append(message.text))
        self.page.on("pageerror", lambda error: self._messages.append(f"uncaught: {error}"))

    def close(self) -> None:
        self.context.close()

    def check(self, name: str, *, status: int = 200) -> list[Finding]:
        """Check the page as it is now (after a goto or a form's answer) at each size; `status`: the document's
        expected one. Sideways scrolling is measured where it matters, at the narrowest size."""
        page = self.page
        page.wait_for_load_state("load")
        self.checked_urls.append(page.url)
        errors = [m for m in self._messages if not self._expected(m, status)]
        self._messages.clear()
        page.evaluate(self.axe)
        narrowest = min(width for width, _ in self.sizes.values())
        findings = []
        for size, (width, height) in self.sizes.items():
            page.set_viewport_size({"width": width, "height": height})
            result = page.evaluate("""async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                               nodes: v.nodes.map(n => ({target: n.target.join(' ')}))}));
            }""", AXE_TAGS)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth") \
                if width == narrowest else 0
            if self.screenshots is not None:
                self.screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(self.screenshots / f"{name}-{size}.png"), full_page=True)
            findings.append(Finding(name, size, violations=result, console_errors=errors if not findings else [],
                                    overflow_px=max(0, overflow)))
        first = next(iter(self.sizes.values()))
        page.set_viewport_size({"width": first[0], "height": first[1]})
        return findings

    def blocking_ids_on(self, html: str) -> set[str]:
        """axe's serious or critical findings on a page of our making: proves the engine runs and reports, so a
        walk with no violation is not a walk in which nothing was looked at."""
        self.page.set_content(html)
        self.page.evaluate(self.axe)
        found = self.page.evaluate("""async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
            .violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""", AXE_TAGS)
        return set(found)

    @staticmethod
    def _expected(message: str, status: int) -> bool:
        match = _ERROR_STATUS.search(message)
        return bool(match) and int(match.group(1)) == status != 200
