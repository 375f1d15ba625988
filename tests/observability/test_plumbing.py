"""recovery/observability is plumbing below the capabilities (like recovery/web): it may be called by all of them,
so it imports none of them (tests/web/test_layering.py leaves it out of the capability graph for that reason)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "recovery"
BELOW = {"observability", "web", "translations"}


def test_observability_imports_no_capability():
    capabilities = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} - BELOW
    found = []
    for path in sorted((PACKAGE / "observability").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            found += [f"{path.name}: {m}" for m in modules if m.split(".")[:2][-1] in capabilities
                      and m.startswith("recovery.")]
    assert not found, found
