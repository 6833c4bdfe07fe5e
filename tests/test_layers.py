"""The package's shape: layers that import only downwards, no import circle, one place that loads the source.

Every import counts, also those inside functions and under ``TYPE_CHECKING``: a lazy import that runs back up
the layers is the same dependency, hidden. A new module must be given a layer here (the test says which).
"""

from __future__ import annotations

import ast
from pathlib import Path

import n9e_k8s

PACKAGE = Path(n9e_k8s.__file__).parent

# Lowest first. A module may import its own layer and the layers below it. The longest matching prefix wins.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "n9e_k8s", "errors", "textio", "langs", "varrefs", "yamlio", "problems", "promql_syntax", "schemas", "source",
            "lint.promql", "lint.variables", "dashboards.units", "dashboards.layout",
            "sync.plan", "sync.uisave", "sync.lock", "n9e", "reports", "gitdiff",
            # packages whose __init__ imports nothing
            "alerts", "dashboards", "commands", "sync",
        ),
    ),
    (
        "source model",
        (
            "components", "collection", "selectors", "registry", "catalog", "expected_empty", "dashboards.source",
            "alerts.model", "alerts.templates",
            "lint", "lint.model", "lint.rules", "lint.infer", "lint.engine",
        ),
    ),
    ("project", ("project",)),
    (
        "render",
        (
            "dashboards.render", "dashboards.clusters", "dashboards.produce", "dashboards.docs",
            "alerts.render", "alerts.produce",
            "manifests", "keep", "vmagent", "k8s_validate", "lint.collect", "lint.changed", "integration",
        ),
    ),
    ("application", ("build", "validate", "verify", "analyze", "sync.", "adopt")),
    ("cli", ("commands.", "cli", "__main__")),
]  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        out |= {c for c in candidates if c in known and c != name}
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def layer_of(module: str) -> int:
    short = module.removeprefix("n9e_k8s.") if module != "n9e_k8s" else "n9e_k8s"
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # "sync." matches the modules below sync; "lint" matches lint itself and the modules below it
            below = prefix if prefix.endswith(".") else prefix + "."
            if (short == prefix or short.startswith(below)) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    assert best is not None, f"{module} has no layer: add it to LAYERS in {__file__}"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in graph():
        layer_of(module)


def test_no_import_runs_up_the_layers() -> None:
    upward = [
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {d} ({LAYERS[layer_of(d)][0]})"
        for m, deps in graph().items()
        for d in sorted(deps)
        if layer_of(d) > layer_of(m)
    ]
    assert upward == []


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("n9e_k8s.sync.engine") > layer_of("n9e_k8s.project") > layer_of("n9e_k8s.catalog")


LOADERS = {
    "load_selectors": "selectors",
    "load_catalog": "catalog",
    "load_registry": "registry",
    "load_dashboards": "dashboards.source",
    "load_rules": "alerts.model",
    "load_expected_empty": "expected_empty",
}


def test_only_the_project_loads_the_source() -> None:
    """Every command works on one load_project(): no module reads a part of the source on its own."""
    calls = []
    for name, path in modules().items():
        short = name.removeprefix("n9e_k8s.")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                fn = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if fn in LOADERS and short not in ("project", LOADERS[fn]):
                    calls.append(f"{short}:{node.lineno} calls {fn}")
    assert calls == []


def string_literals(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module's code, without docstrings (which may give examples)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_production_module_names_a_component() -> None:
    """Components are data (promql/config.yaml): no code compares with, looks up or lists a component's name.
    Help texts and messages may still name one as an example, in a longer sentence."""
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source

    config = load_project(resolve_source(None), ()).config
    names = set(config.components) | {config.job(c) for c in config.components}
    names |= {f"kube-{c}" for c in config.components}  # the static pods' containers and Services
    found = [
        f"{name}:{line}: {value!r}"
        for name, path in modules().items()
        for line, value in string_literals(path)
        if value in names
    ]
    assert found == []
