"""Execute a parameterised notebook and export it as a standalone, reader-facing HTML page.

Papermill convention without the papermill dependency: the template has a code cell
tagged ``parameters`` holding the defaults; a cell tagged ``injected-parameters`` that
assigns the given values is inserted right after it (or first, when no cell is tagged),
so the given values win. The notebook is run with nbclient and exported with nbconvert's
HTMLExporter with code hidden and images embedded, through :data:`TEMPLATE`: the "lab"
template without the scripts it would load from a CDN, so a report never reaches the
network when opened. Files are written atomically (:func:`stclusters.io.write_text`).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from stclusters.io import write_text

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
#: the page template: nbconvert's "lab" template less require.js, MathJax and mermaid.js
TEMPLATE = Path(__file__).resolve().parents[1] / "resources" / "nbconvert" / "offline.html.j2"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def inject_parameters(nb: nbformat.NotebookNode, params: dict) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with an ``injected-parameters`` cell assigning ``params``.

    Each value is written as ``name = repr(value)``, so values must be Python literals
    (str, numbers, bool, None, and lists/tuples/dicts of those). An existing injected
    cell is replaced.
    """
    nb = copy.deepcopy(nb)
    for name in params:
        if not str(name).isidentifier():
            raise ValueError(f"parameter name {name!r} is not a Python identifier")
    lines = ["# Parameters"] + [f"{k} = {v!r}" for k, v in params.items()]
    cell = nbformat.v4.new_code_cell(source="\n".join(lines))
    cell.metadata["tags"] = [INJECTED_TAG]
    cell.pop("id", None)
    cells = [c for c in nb.cells if INJECTED_TAG not in _tags(c)]
    at = next((i + 1 for i, c in enumerate(cells) if PARAMETERS_TAG in _tags(c)), 0)
    cells.insert(at, cell)
    nb.cells = cells
    _renumber_ids(nb)
    return nb


def _renumber_ids(nb: nbformat.NotebookNode) -> None:
    """Give every cell a stable id ("cell-0", "cell-1", ...) so output is deterministic."""
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        for i, c in enumerate(nb.cells):
            c["id"] = f"cell-{i}"
    else:
        for c in nb.cells:
            c.pop("id", None)


def _strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Drop metadata that changes from run to run (timings, papermill, widget state)."""
    for key in ("papermill", "widgets", "execution"):
        nb.metadata.pop(key, None)
    for c in nb.cells:
        for key in ("execution", "papermill", "collapsed", "scrolled", "ExecuteTime"):
            c.metadata.pop(key, None)


def render_notebook(
    template: str | Path,
    out_html: str | Path,
    params: dict,
    executed_ipynb: str | Path | None = None,
    timeout: int = 600,
    cwd: str | Path | None = None,
    kernel_name: str = "python3",
    title: str | None = None,
) -> None:
    """Run ``template`` with ``params`` and write a standalone HTML report to ``out_html``.

    Parameters
    ----------
    template
        Notebook with a code cell tagged ``parameters``.
    out_html
        Output HTML: code cells hidden (``exclude_input``), no prompts, images embedded.
    params
        Values injected after the parameters cell (Python literals, written with repr).
    executed_ipynb
        When given, the executed notebook is written there too (also when a cell fails,
        before the error is re-raised, to help debugging).
    timeout
        Per-cell timeout in seconds.
    cwd
        Working directory of the kernel; default ``params["repo_root"]`` when given, else
        the template's parent's parent (``notebooks/x.ipynb`` -> the repository root).
    title
        HTML page title; default the first Markdown heading, else the output file stem.

    Raises :class:`nbclient.exceptions.CellExecutionError` when a cell fails.
    """
    template = Path(template)
    if cwd is None:
        cwd = params.get("repo_root") or template.resolve().parent.parent
    cwd = Path(cwd).resolve()
    nb = inject_parameters(nbformat.read(template, as_version=4), params)
    _execute(nb, cwd, timeout, kernel_name, executed_ipynb)
    exporter = HTMLExporter(
        template_name="lab",
        template_file=str(TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    page_title = title or _first_heading(nb) or Path(out_html).stem
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": page_title, "path": str(cwd)}}
    )
    remote = remote_scripts(body)
    if remote:  # a newer nbconvert added a block the template does not take out
        raise RuntimeError(f"the report page would load scripts from the network: {remote}")
    write_text(out_html, body)


def _execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int, kernel_name: str,
             executed_ipynb: str | Path | None) -> None:
    """Run ``nb`` in place in a fresh kernel started in ``cwd``, drop the volatile
    metadata, and write the executed notebook to ``executed_ipynb`` (when given; also
    when the run fails, before the error is re-raised)."""
    nb.metadata["kernelspec"] = {
        "name": kernel_name,
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        allow_errors=False,
    )
    try:
        client.execute()
    finally:
        _strip_volatile(nb)
        if executed_ipynb is not None:
            _write_ipynb(nb, executed_ipynb)


_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
_URL = re.compile(r"\bhttps?://[^\s\"'<>`)]+", re.I)


def remote_scripts(page: str) -> list[str]:
    """The network addresses any ``<script>`` of ``page`` names (its ``src`` or an
    ``import`` in its body); empty for a page that loads nothing from the network."""
    found: list[str] = []
    for m in _SCRIPT.finditer(page):
        found += _URL.findall(m.group(0))
    return found


def _first_heading(nb: nbformat.NotebookNode) -> str | None:
    for c in nb.cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


def _write_ipynb(nb: nbformat.NotebookNode, path: str | Path) -> None:
    text = nbformat.writes(nb)
    write_text(path, text if text.endswith("\n") else text + "\n")
