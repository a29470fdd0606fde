"""The project's modules form no import cycle, and apps stay in their lanes."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("clinic", "articles", "comments")


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    """Return {module name: path} for every module outside migrations."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def imports_of(name, path, known):
    """Return the project modules that `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from package import module" imports the module.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
                break
    return found


@pytest.fixture(scope="module")
def graph():
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycle_through(graph, start):
    """Return a list of modules from `start` back to it, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, trail = stack.pop()
        for target in graph[node]:
            if target == start:
                return [*trail, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*trail, target]))
    return None


def test_no_module_imports_one_that_imports_it_back(graph):
    cycles = {
        " -> ".join(cycle)
        for name in graph
        if (cycle := cycle_through(graph, name)) is not None
    }
    assert not cycles, "\n".join(sorted(cycles))


@pytest.mark.parametrize(
    ("app", "allowed"),
    [
        ("comments", {"articles.models"}),
        ("articles.hub", {"articles.models", "articles.richtext"}),
        # Shared parts use no app; the URLconf is what wires the apps in.
        ("clinic", set()),
    ],
)
def test_an_app_uses_another_only_through_its_models(graph, app, allowed):
    def in_app(module, name):
        return module == name or module.startswith(f"{name}.")

    reached = {
        (module, target)
        for module, targets in graph.items()
        if in_app(module, app) and module != "clinic.urls"
        for target in targets
        if target.split(".")[0] in PACKAGES
        and not in_app(target, app)
        and not in_app(target, "clinic")
        and target not in allowed
    }
    assert not reached, sorted(reached)
