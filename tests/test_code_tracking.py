"""Editing a package module reruns exactly the rules whose scripts import it.

Rules list, as inputs, the package modules their scripts (and report notebooks) import,
directly or not (rules/common.smk: package_code, computed by stclusters/codedeps.py from
the source). These tests check that wiring from outside: the expected rules of every module
come from *running* each script's imports (sys.modules), and the rules that rerun come from
Snakemake's own dry run in a scratch copy of the workflow whose outputs are all up to date.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stclusters.codedeps import code_files

REPO = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "results", "reports", "logs", "__pycache__", "*.egg-info",
    ".pytest_cache", ".ruff_cache",
)


def _import_statements(path: Path) -> str:
    """The top-level import statements of a script, or of a notebook's code cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    elif path.suffix == ".smk":  # Snakemake syntax: only its top-level import statements
        sources, stmt = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            if stmt or line.startswith(("from stclusters", "import stclusters")):
                stmt.append(line)
                text = "\n".join(stmt)
                if text.count("(") == text.count(")"):
                    sources.append(text)
                    stmt = []
    else:
        sources = [path.read_text(encoding="utf-8")]
    stmts = []
    for src in sources:
        body = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith("%"))
        for node in ast.parse(body).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                if any(n == "stclusters" or n.startswith("stclusters.") for n in names):
                    stmts.append(ast.unparse(node))
    return "\n".join(stmts)


def runtime_modules(path: Path) -> set[str]:
    """Package modules loaded by running a file's stclusters imports in a clean state."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "stclusters"}
    for name in saved:
        del sys.modules[name]
    try:
        exec(compile(_import_statements(path), str(path), "exec"), {})  # noqa: S102
        return {k for k in sys.modules if k.split(".")[0] == "stclusters"}
    finally:
        for name in [k for k in sys.modules if k.split(".")[0] == "stclusters"]:
            del sys.modules[name]
        sys.modules.update(saved)


def module_file(name: str, root: Path = REPO) -> Path:
    base = root.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def rule_entries() -> dict[str, list[Path]]:
    """Rule name -> its script and notebooks, read from the rule files."""
    entries = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", smk.read_text(encoding="utf-8")):
            m = re.match(r"rule (\w+):", block)
            script = re.search(r'script:\s*"\.\./scripts/(\w+)\.py"', block)
            if not (m and script):
                continue
            files = [REPO / "scripts" / f"{script.group(1)}.py"]
            files += [REPO / "notebooks" / f"{nb}.ipynb"
                      for nb in re.findall(r'NOTEBOOKS / "(\w+)\.ipynb"', block)]
            entries[m.group(1)] = files
    return entries


def package_modules() -> list[str]:
    mods = []
    for path in sorted((REPO / "stclusters").rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":
            mods.append(".".join(parts))
    return mods


def expected_rules(entries: dict[str, list[Path]]) -> dict[str, set[str]]:
    """Module -> the rules whose script or notebooks load it when run."""
    loaded = {rule: set().union(*(runtime_modules(f) for f in files))
              for rule, files in entries.items()}
    return {m: {r for r, mods in loaded.items() if m in mods} for m in package_modules()}


def test_static_closure_matches_what_scripts_load_when_run():
    for rule, files in rule_entries().items():
        static = {str(Path(f).resolve()) for f in code_files(REPO, files)}
        ran = {str(module_file(m).resolve())
               for f in files for m in runtime_modules(f)}
        assert static == ran, (rule, sorted(static ^ ran))


def test_every_package_module_is_used_by_some_rule_or_the_cli():
    users = expected_rules(rule_entries())
    # the command line, and the rule files themselves (the Snakefile's own helpers)
    cli = runtime_modules(REPO / "stclusters" / "__main__.py")
    smk = set().union(*(runtime_modules(f) for f in (REPO / "rules").glob("*.smk")))
    # and the modules the Makefile runs as `python -m stclusters.<module>`
    make = set(re.findall(r"-m (stclusters\.[\w.]+)", (REPO / "Makefile").read_text()))
    unused = [m for m, rules in users.items() if not rules and m not in cli | smk | make]
    assert unused == [], unused


# ---------------------------------------------------------------- the dry runs
def _snakemake(workdir: Path, *args: str) -> str:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(workdir)
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile"), "--rerun-triggers", "mtime", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def directory_outputs(rules_dir: Path) -> re.Pattern:
    """A pattern matching the outputs that rules declare as ``directory("...")``."""
    found = re.findall(r'directory\(\s*"([^"]+)"', "".join(
        p.read_text(encoding="utf-8") for p in sorted(rules_dir.glob("*.smk"))))
    alts = [re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(f)) for f in found]
    return re.compile("|".join(f"(?:{a})" for a in alts) or r"(?!)")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A copy of the workflow (tiny config) whose every output exists and is up to date."""
    work = tmp_path_factory.mktemp("codetrack") / "wf"
    shutil.copytree(REPO, work, ignore=COPY_IGNORE)
    shutil.copy(REPO / "config" / "test" / "tiny.yaml", work / "config.yaml")
    summary = _snakemake(work, "--summary")
    folders = directory_outputs(work / "rules")
    for line in summary.splitlines()[1:]:
        name = line.split("\t")[0]
        if name and not name.startswith(("/", "-")) and "\t" in line:
            out = work / name
            if folders.fullmatch(name):  # a directory() output is a folder
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            out.touch()
    past = time.time() - 3600
    for path in work.rglob("*"):
        if path.is_file() and "results" not in path.parts and "reports" not in path.parts:
            os.utime(path, (past, past))
    _snakemake(work, "--touch")
    assert "Nothing to be done" in _snakemake(work, "-n")
    return work


def rerun_reasons(text: str) -> dict[str, set[str]]:
    # (only the first jobs on a path say which files are newer: downstream jobs give
    # "Input files updated by another job" instead, so one edit at a time)
    """Rule -> input files named in 'Updated input files' reasons of a dry run."""
    found: dict[str, set[str]] = {}
    rule = None
    for line in text.splitlines():
        m = re.match(r"\s*(?:localrule|rule) (\w+):", line)
        if m:
            rule = m.group(1)
        m = re.match(r"\s*reason: (.*)", line)
        if m and rule:
            for part in m.group(1).split(";"):
                part = part.strip()
                if part.startswith("Updated input files:"):
                    files = part.removeprefix("Updated input files:").split(",")
                    found.setdefault(rule, set()).update(f.strip() for f in files)
    return found


def rule_inputs(text: str) -> dict[str, set[str]]:
    """Rule -> input files of its jobs, from a forced dry run's job listing."""
    inputs: dict[str, set[str]] = {}
    rule = None
    for line in text.splitlines():
        m = re.match(r"\s*(?:localrule|rule) (\w+):", line)
        if m:
            rule = m.group(1)
        m = re.match(r"\s*input: (.*)", line)
        if m and rule:
            inputs.setdefault(rule, set()).update(f.strip() for f in m.group(1).split(","))
    return inputs


#: rules not in the tiny scenario's DAG (geocode_part: stream.geocode_parts > 1 only; it
#: lists the same package_code("geocode") as geocode)
NOT_IN_DAG = {"geocode_part"}


def test_every_module_is_an_input_of_exactly_the_rules_that_import_it(scratch):
    """Over every module: the DAG Snakemake builds lists it as an input of exactly the rules
    whose scripts load it, so an edit (a newer file) reruns those and no other rule."""
    inputs = rule_inputs(_snakemake(scratch, "-n", "--forceall"))
    expected = expected_rules({r: f for r, f in rule_entries().items() if r not in NOT_IN_DAG})
    assert set(inputs) >= {r for rules in expected.values() for r in rules}
    for module, rules in expected.items():
        path = str(module_file(module, scratch))
        users = {r for r, files in inputs.items() if path in files}
        assert users == rules, (module, sorted(users ^ rules))


def dry_run_rules(text: str) -> set[str]:
    """Every rule with a job in a dry run's listing."""
    return set(re.findall(r"(?m)^\s*(?:localrule|rule) (\w+):", text))


def test_one_module_edit_reruns_its_users_and_no_other(scratch):
    """The issue's example: stclusters/params.py. Its users rerun (the first ones on each
    path say so; later ones rerun because an input was updated by another job), and the
    stages before them do not."""
    now = time.time()
    for path in (scratch / "stclusters").rglob("*.py"):
        os.utime(path, (now - 7200, now - 7200))
    _snakemake(scratch, "--touch")
    target = scratch / "stclusters" / "params.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    text = _snakemake(scratch, "-n")
    users = expected_rules(rule_entries())["stclusters.params"]
    direct = {r for r, files in rerun_reasons(text).items() if str(target) in files}
    assert direct and direct <= users
    assert users <= dry_run_rules(text)
    for untouched in ("demo_world", "extract", "gazetteer", "geocode", "locations"):
        assert untouched not in dry_run_rules(text), untouched
