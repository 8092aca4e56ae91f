"""Architecture rules the package keeps: no import cycle, one table of input formats.

The import graph is read statically from the source (``ast``), so these tests see every
``import stclusters...`` and ``from stclusters... import ...`` (also relative ones), at
module level and inside functions alike, whether or not it ever runs -- except imports
under ``if TYPE_CHECKING:``, which never run (annotations only).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest
import yaml

from stclusters.extract.formats import DEFAULT_FORMAT, FORMATS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "stclusters"

#: an import edge: (importer, imported module) -> "file:line" of the first such import
Edges = dict[tuple[str, str], str]


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``) by dotted name."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of a module, at any depth, but those that only type checkers
    run (``if TYPE_CHECKING:``; its ``else:`` branch runs and counts)."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda n: n.lineno)


def _imported(
    node: ast.Import | ast.ImportFrom, module: str, is_pkg: bool, modules: dict[str, Path]
) -> list[str]:
    """The package modules one import statement names (``from a import b``: ``a.b`` when
    that is a module, else ``a``); modules outside the package are left out."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: from the importer's package, up level - 1
            pkg = module.split(".") if is_pkg else module.split(".")[:-1]
            pkg = pkg[: len(pkg) - (node.level - 1)]
            base = ".".join([*pkg, base] if base else pkg)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                 for a in node.names]
    out = []
    for name in names:
        while name and name not in modules:  # `import a.b.c` of a module a.b: a.b
            name = name.rpartition(".")[0]
        if name:
            out.append(name)
    return out


def import_edges(root: Path, package: str) -> tuple[dict[str, Path], Edges]:
    """The package's modules and its import graph.

    Importing ``a.b`` first runs package ``a``'s ``__init__``, so an import of ``a.b``
    is also an edge to ``a`` -- except from inside ``a``, which Python has started to
    import before any of its modules runs.
    """
    modules = package_modules(root, package)
    edges: Edges = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        for node in import_nodes(tree):
            for target in _imported(node, module, is_pkg, modules):
                parts = target.split(".")
                for k in range(1, len(parts) + 1):
                    dep = ".".join(parts[:k])
                    inside = module == dep or module.startswith(dep + ".")
                    if dep in modules and (dep == target or not inside):
                        edges.setdefault((module, dep),
                                         f"{path.relative_to(root)}:{node.lineno}")
    return modules, edges


def find_cycle(modules: dict[str, Path], edges: Edges) -> list[str] | None:
    """One import cycle ``[m1, m2, ..., m1]`` of the graph, or None."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for a, b in edges:
        graph[a].add(b)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))  # graphlib lists it against the edges
    return None


def describe(cycle: list[str], edges: Edges) -> str:
    """One line per import of a cycle, with the file and line that makes it."""
    steps = zip(cycle[:-1], cycle[1:], strict=True)
    return "\n".join(f"  {a} -> {b}  ({edges[(a, b)]})" for a, b in steps)


def test_no_import_cycle_in_the_package():
    modules, edges = import_edges(ROOT, PACKAGE)
    assert "stclusters.extract.contract" in modules and len(edges) > 20
    cycle = find_cycle(modules, edges)
    assert cycle is None, "import cycle:\n" + describe(cycle, edges)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_cycle_finder_sees_function_imports_submodules_and_parent_packages(tmp_path):
    # a -> b (function-level `from pkg import b`), b -> pkg.c (parent of pkg.c.d),
    # pkg.c -> a (relative import from a package __init__)
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "def f():\n    from pkg import b\n",
        "pkg/b.py": "import pkg.c.d\n",
        "pkg/c/__init__.py": "from ..a import f\n",
        "pkg/c/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from pkg.b import Y\n",  # annotations only: no edge
    })
    modules, edges = import_edges(tmp_path, "pkg")
    assert set(modules) == {"pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.c.d"}
    assert {("pkg.a", "pkg.b"), ("pkg.b", "pkg.c.d"), ("pkg.b", "pkg.c"),
            ("pkg.c", "pkg.a")} <= set(edges)
    assert ("pkg.c.d", "pkg.b") not in edges
    cycle = find_cycle(modules, edges)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {"pkg.a", "pkg.b", "pkg.c"}
    assert "pkg/a.py:2" in describe(cycle, edges)


def test_cycle_finder_allows_a_package_that_reexports_its_modules(tmp_path):
    # the layout of stclusters.extract: __init__ imports its modules, they import
    # each other by absolute name; only a module importing a name of __init__ is a cycle
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/x/__init__.py": "from pkg.x.low import A\nfrom pkg.x.high import B\n",
        "pkg/x/low.py": "A = 1\n",
        "pkg/x/high.py": "from pkg.x.low import A\nB = A\n",
    })
    modules, edges = import_edges(tmp_path, "pkg")
    assert find_cycle(modules, edges) is None
    (tmp_path / "pkg/x/low.py").write_text("def f():\n    from pkg.x import B\n")
    modules, edges = import_edges(tmp_path, "pkg")
    assert find_cycle(modules, edges) is not None


def test_extract_layers_contract_readers_formats():
    """The contract imports no reader; readers import neither each other nor the table."""
    _, edges = import_edges(ROOT, PACKAGE)
    ext = "stclusters.extract"
    for a, b in edges:
        if a == f"{ext}.contract":
            assert not b.startswith(ext), (a, b, edges[(a, b)])
        if a.startswith(f"{ext}.readers."):  # the contract and private helpers only
            assert b == f"{ext}.contract" or b.startswith(f"{ext}.readers._") or (
                not b.startswith(ext)), (a, b, edges[(a, b)])


def test_schema_format_enum_is_the_formats_table():
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text(encoding="utf-8"))
    item = schema["properties"]["inputs"]["items"]["properties"]
    assert set(item["format"]["enum"]) == set(FORMATS), (
        "schemas/config.schema.yaml inputs[].format enum must list exactly the keys of "
        "stclusters/extract/formats.py FORMATS")
    assert item["format"]["default"] == DEFAULT_FORMAT
    sources = set(item["source"]["enum"])
    assert {f.source for f in FORMATS.values()} - {None} <= sources


def test_every_format_is_documented():
    """docs/data-format.md's table of readers has a row for every format."""
    doc = (ROOT / "docs/data-format.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`").split("`")[0] for line in doc.splitlines()
            if line.startswith("| `")}
    assert set(FORMATS) <= rows, sorted(set(FORMATS) - rows)


def test_one_reader_module_per_format():
    """Every module in extract/readers/ (but the private ones) is one format's reader."""
    folder = ROOT / "stclusters/extract/readers"
    files = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    homes = [f.reader.__module__.rpartition(".")[2] for f in FORMATS.values()]
    assert sorted(homes) == sorted(files)
    assert all(f.description for f in FORMATS.values())


@pytest.mark.parametrize("name", ["ExtractError", "extract", "read_raw", "validate",
                                  "assign_weights", "read_extract", "read_crunchbase",
                                  "ROW_COLUMN", "CANONICAL", "FORMATS"])
def test_old_import_paths_keep_working(name):
    import stclusters.extract as ext
    from stclusters.extract import contract, formats, stage
    from stclusters.extract.readers import crunchbase, generic

    homes = [getattr(m, name) for m in (contract, formats, stage, crunchbase, generic)
             if hasattr(m, name)]
    assert homes and getattr(ext, name) is homes[0]
