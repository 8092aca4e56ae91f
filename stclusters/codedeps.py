"""Which package modules a script runs: the transitive ``stclusters`` imports of a file.

Snakemake tracks a rule's ``script:`` file, not the package code the script calls. The
workflow therefore lists, as inputs of every rule, the package modules its script imports
directly or through other modules (``rules/common.smk: package_code``), computed here from
the source text, so that editing any module reruns exactly the rules whose scripts use it.

Standard library only: the Snakefile imports this module while it builds the DAG.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

PACKAGE = "stclusters"


def _module_file(root: Path, module: str) -> Path | None:
    """The file of a dotted module name under ``root`` (the folder holding the package)."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(root: Path, path: Path) -> str:
    rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_text(path: Path) -> str:
    """Python source of a file; the code cells of a Jupyter notebook."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text).get("cells", [])
    code = ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    # IPython magics are not Python
    return "\n".join(
        line for cell in code for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))
    )


def imported_names(path: Path, importer: str = "") -> set[str]:
    """Dotted names imported by a file: ``import a.b`` -> ``a.b``; ``from a import b`` ->
    ``a`` and ``a.b`` (``b`` may be a submodule); relative imports resolved against
    ``importer`` (the file's own dotted module name, empty for scripts)."""
    tree = ast.parse(_source_text(path), filename=str(path))
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = importer.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a block and of the blocks nested in it (functions, classes,
    if/try/with/loops, match cases), without descending into expressions: imports are
    statements. The body of ``if TYPE_CHECKING:`` is left out (it never runs)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            if field == "body" and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            block = getattr(node, field, None)
            if isinstance(block, list):
                yield from _statements(block)


@cache
def _module_deps(root: Path, module: str) -> frozenset[str]:
    """Package modules one package module imports directly (parents' ``__init__`` included)."""
    path = _module_file(root, module)
    if path is None:
        return frozenset()
    return frozenset(_package_modules(root, imported_names(path, module)))


def _package_modules(root: Path, names: Iterable[str]) -> set[str]:
    """The existing package modules among dotted names, with every parent package."""
    found: set[str] = set()
    for name in names:
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            continue
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if _module_file(root, candidate) is not None:
                found.add(candidate)
    return found


def module_closure(root: Path, entry_files: Iterable[Path]) -> list[str]:
    """Dotted names of every package module the entry files import, directly or not."""
    root = Path(root)
    todo = sorted(_package_modules(root, set().union(*(imported_names(Path(f)) for f in entry_files))))
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(sorted(_module_deps(root, module) - seen))
    return sorted(seen)


def code_files(root: str | Path, entry_files: Iterable[str | Path]) -> list[str]:
    """Files (sorted paths) of the package modules the entry files (scripts, notebooks)
    import, directly or through other modules; ``root`` is the folder holding the package."""
    root = Path(root)
    modules = module_closure(root, [Path(f) for f in entry_files])
    return sorted(str(_module_file(root, m)) for m in modules)

