"""Dependencies point one way: domain code never imports Flask, and views never build SQL."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "recovery"
DOMAIN_MODULES = ("service.py", "models.py", "rules.py", "policy.py", "routing.py", "sla.py", "queries.py")
VIEW_MODULES = ("views.py", "api.py", "staff.py", "intake_views.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(filenames) -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name in filenames and "web" not in p.parts)


@pytest.mark.parametrize("path", _modules(DOMAIN_MODULES), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_module_does_not_import_flask(path):
    flask_imports = {name for name in _imports(path) if name == "flask" or name.startswith(("flask.", "flask_"))}
    assert not flask_imports, f"{path.name} imports {flask_imports}"


@pytest.mark.parametrize("path", _modules(VIEW_MODULES), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_view_module_builds_no_sql(path):
    sql = {name for name in _imports(path)
           if name in {"sqlalchemy.select", "sqlalchemy.update", "sqlalchemy.delete", "sqlalchemy.insert",
                       "sqlalchemy.text"}}
    assert not sql, f"{path.name} builds queries: {sql}"
