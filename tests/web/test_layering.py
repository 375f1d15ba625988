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


# --- capabilities and flows: one direction, no cycle, no other capability's tables ---------------------------------
#
# Capability packages (accounts, sessions, mfa, ...) and the flows above them (signin, security) form a graph
# of imports; every import counts, at module level, inside a function or under `if TYPE_CHECKING:`. Only
# `accounts.models.User` crosses capability lines as a model, so importing it draws no edge.
# `python -m pytest tests/web/test_layering.py -k graph -s` prints the graph.

CORE = {"web", "translations", "observability"}  # plumbing every capability may call; it calls none
CROSSES_AS_MODEL = {"recovery.accounts.models": {"User"}}


def capabilities() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name not in CORE)


def _recovery_imports(path: Path):
    """(module imported, names, whether inside a function or a TYPE_CHECKING block) for every recovery import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or (
                isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            hidden.update(id(inner) for inner in ast.walk(node) if inner is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("recovery."):
                    yield alias.name, (), id(node) in hidden
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == "recovery" or node.module.startswith("recovery.")):
            yield node.module, tuple(alias.name for alias in node.names), id(node) in hidden


def _package_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] not in CORE else None


def _imported_capability(module: str, names: tuple[str, ...]) -> str | None:
    parts = module.split(".")
    if module == "recovery":  # `from recovery import signin`
        return next((name for name in names if name in capabilities()), None)
    if len(parts) < 2 or parts[1] not in capabilities():
        return None
    if module in CROSSES_AS_MODEL and set(names) <= CROSSES_AS_MODEL[module]:
        return None
    return parts[1]


def capability_graph() -> dict[str, dict[str, list[str]]]:
    """package -> {package it imports: [the modules that import it]}."""
    graph: dict[str, dict[str, list[str]]] = {name: {} for name in capabilities()}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _package_of(path)
        if source is None:
            continue
        for module, names, _hidden in _recovery_imports(path):
            target = _imported_capability(module, names)
            if target is not None and target != source:
                graph[source].setdefault(target, []).append(str(path.relative_to(PACKAGE)))
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle as a path of packages, or None (depth-first search, white/grey/black)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_capability_import_graph_has_no_cycle():
    graph = capability_graph()
    for source, targets in graph.items():
        print(f"{source:>10} -> {', '.join(sorted(targets)) or '(nothing)'}")
    cycle = find_cycle(graph)
    where = [f"{a} -> {b}: {graph[a][b]}" for a, b in zip(cycle, cycle[1:], strict=False)] if cycle else []
    assert cycle is None, "import cycle between packages:\n" + "\n".join(where)


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b": ["a/x.py"]}, "b": {"c": ["b/y.py"]}, "c": {"a": ["c/z.py"]}, "d": {}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) is None


def test_no_import_of_recovery_hides_inside_a_function():
    """A function-local import (or one under TYPE_CHECKING) written to dodge a cycle hides the cycle from
    everyone: recovery imports at module level only."""
    hidden = [f"{path.relative_to(PACKAGE)}: {module}" for path in sorted(PACKAGE.rglob("*.py"))
              for module, _names, inside in _recovery_imports(path) if inside]
    assert not hidden, hidden


def test_only_user_crosses_capability_lines_as_a_model():
    """A capability or flow imports no other capability's models module but for User: it calls the owner's
    service, which also names the row types it hands out (`from recovery.sessions.service import UserSession`
    for an annotation). The request plumbing (recovery/web) is not a capability and may."""
    crossing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _package_of(path)
        if source is None:
            continue
        for module, names, _hidden in _recovery_imports(path):
            parts = module.split(".")
            if len(parts) == 3 and parts[2] == "models" and parts[1] in capabilities() and parts[1] != source:
                allowed = CROSSES_AS_MODEL.get(module, set())
                if not set(names) <= allowed:
                    crossing.append(f"{path.relative_to(PACKAGE)} imports {module}: {sorted(set(names) - allowed)}")
    assert not crossing, "\n".join(crossing)
