"""The shape of the code, checked like behaviour: no import cycle between files, no
module too long to read, no function too long to follow. The layers between apps are
checked by import-linter (``.importlinter``, run in CI's lint step)."""

import ast
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "lenddesk"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

# Long by nature: data, not logic.
NOT_MEASURED = ("migrations", "demo.py", "settings.py")


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if any(part in NOT_MEASURED for part in relative.parts):
            continue
        yield relative, path


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (
                            child,
                            iter(
                                sorted(graph.find_modules_directly_imported_by(child))
                            ),
                        )
                    )
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


@pytest.fixture(scope="module")
def import_graph():
    return grimp.build_graph(
        "lenddesk", include_external_packages=False, exclude_type_checking_imports=True
    )


def _without_package_faces(graph):
    """A package's ``__init__`` that re-exports its modules is its face, not a
    participant: drop the edges from a package to its own children."""
    for module in list(graph.modules):
        for child in graph.find_children(module):
            if graph.direct_import_exists(importer=module, imported=child):
                graph.remove_import(importer=module, imported=child)
    return graph


def test_no_import_cycle_between_files(import_graph):
    cycles = _cycles(_without_package_faces(import_graph))
    assert not cycles, "Import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_no_module_is_too_long():
    long = [
        "%s (%d lines)" % (relative, count)
        for relative, path in _modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines()))
        > MAX_MODULE_LINES
    ]
    assert not long, "Split these by subject: " + ", ".join(long)


def test_no_function_is_too_long():
    long = []
    for relative, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append("%s:%s (%d lines)" % (relative, node.name, length))
    assert not long, "Break these into steps with names: " + ", ".join(long)
