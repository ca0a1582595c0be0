"""The kernel (``lenddesk.tenancy``) imports nothing above it: only the standard
library, Django, itself and the settings' env helper. The apps above (accounts,
audit, web, the domain apps, the operator console) depend on it, never the reverse."""

import ast
import sys
from pathlib import Path

import lenddesk.tenancy

KERNEL = Path(lenddesk.tenancy.__file__).parent
ALLOWED_PREFIXES = ("django", "lenddesk.tenancy", "lenddesk.envvars")
# Third-party libraries the kernel's own work needs (PostgreSQL driver).
ALLOWED_LIBRARIES = frozenset({"psycopg"})


def _kernel_files() -> list[Path]:
    return sorted(
        path for path in KERNEL.rglob("*.py") if "migrations" not in path.parts
    )


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the kernel
                continue
            names.append(node.module or "")
    return names


def _allowed(module: str) -> bool:
    top = module.partition(".")[0]
    return (
        top in sys.stdlib_module_names
        or top in ALLOWED_LIBRARIES
        or any(
            module == prefix or module.startswith(prefix + ".")
            for prefix in ALLOWED_PREFIXES
        )
    )


def test_the_kernel_has_modules_to_check():
    names = {path.name for path in _kernel_files()}
    assert {"context.py", "models.py", "plan.py", "rls.py", "tasks.py"} <= names


def test_the_kernel_imports_nothing_above_it():
    offending = [
        "%s: %s" % (path.relative_to(KERNEL), module)
        for path in _kernel_files()
        for module in _imported_modules(path)
        if not _allowed(module)
    ]
    assert offending == []
