"""Pre-flight checks of the config (stclusters/preflight.py) and one-line user errors."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stclusters.errors import ConfigError
from stclusters.extract import ExtractError
from stclusters.logs import logged_step
from stclusters.preflight import preflight, schema_error_line

REPO = Path(__file__).resolve().parents[1]


def _with_defaults(config: dict) -> dict:
    """``config`` merged into config.yaml and completed by the schema's defaults, as the
    Snakefile does."""
    from snakemake.utils import update_config, validate

    cfg = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    update_config(cfg, copy.deepcopy(config))
    validate(cfg, str(REPO / "schemas/config.schema.yaml"))
    return cfg


@pytest.fixture
def config():
    return _with_defaults({})


def test_the_default_config_passes(config):
    preflight(config)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"windows": {"pct": {"current": [2023, 2019], "previous": [2018, 2022]}}},
         r"^windows\.pct\.current: \[2023, 2019\] ends before it starts"),
        ({"variants": {"v": {"sources": {"pub": 1.0},
                             "windows": {"pub": {"current": [2020, 2024],
                                                 "previous": [2019, 2018]}}}}},
         r"^variants\.v\.windows\.pub\.previous: \[2019, 2018\] ends before"),
        ({"sweep": {"variant": "nope"}}, r"^sweep\.variant: 'nope' is not a variant"),
        ({"sweep": {"sources": ["vc"]}}, r"^sweep\.sources: vc not ranked by variant gii2024"),
        ({"sensitivity": {"variants": ["gii2030"]}},
         r"^sensitivity\.variants: 'gii2030' is not a variant"),
        ({"variants": {"h": {"sources": {"pct": 1.0}, "clustering": {"algorithm": "hdbscan"}}},
          "sensitivity": {"variants": ["h"]}},
         r"^sensitivity\.variants: h uses HDBSCAN"),
        ({"regional": {"africa": {"variant": "x"}}},
         r"^regional\.africa\.variant: 'x' is not a variant"),
        ({"compare": [["gii2024", "gii2099"]]}, r"^compare\[0\]: 'gii2099' is not a variant"),
    ],
)
def test_inconsistent_values_stop_with_the_key(config, change, message):
    cfg = _with_defaults(change)
    with pytest.raises(ConfigError, match=message):
        preflight(cfg)


def test_missing_windows_and_clustering_blocks(config):
    del config["windows"]["pub"]
    with pytest.raises(ConfigError, match=r"^windows\.pub\.current: missing; variant gii2024 "
                                          r"ranks pub"):
        preflight(config)
    config = _with_defaults({})
    del config["clustering"]["dbscan"]["vc"]
    with pytest.raises(ConfigError, match=r"^clustering\.dbscan\.vc: missing; variant gii2025"):
        preflight(config)


def test_an_input_listed_twice(config, tmp_path):
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    config["inputs"] = [{"path": "a.csv"}, {"path": "./sub/../a.csv"}]
    with pytest.raises(ConfigError, match=r"^inputs\[1\]\.path: \./sub/\.\./a\.csv is listed "
                                          r"already \(inputs\[0\]\)"):
        preflight(config, workdir=tmp_path)
    config["inputs"][1]["allow_duplicate"] = True
    preflight(config, workdir=tmp_path)


def test_a_raster_that_rasterio_cannot_open(config, tmp_path):
    fake = tmp_path / "pop.tif"
    fake.write_text("not a raster", encoding="utf-8")
    config["intensity"]["raster"] = str(fake)
    with pytest.raises(ConfigError, match=r"^intensity\.raster: .*pop\.tif cannot be opened"):
        preflight(config)
    config["intensity"]["raster"] = str(tmp_path / "none.tif")
    with pytest.raises(ConfigError, match=r"none\.tif not found"):
        preflight(config)


def test_empty_variants_in_a_user_config_file(config, tmp_path):
    user = tmp_path / "my.yaml"
    user.write_text("variants: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"my\.yaml: variants: \{\} is empty"):
        preflight(config, [user])
    with pytest.raises(ConfigError, match=r"^--config: variants"):
        preflight(config, [], {"variants": {}})


def test_schema_errors_in_one_line():
    from jsonschema import ValidationError

    err = ValidationError("-3 is less than the minimum of 1", path=["inputs", 0, "x"])
    try:
        try:
            raise err
        except ValidationError as inner:
            raise RuntimeError("Error validating config file.") from inner
    except RuntimeError as outer:
        assert schema_error_line(outer) == "inputs[0].x: -3 is less than the minimum of 1"
    assert schema_error_line(RuntimeError("other")) is None


def test_user_errors_are_one_line_on_the_console_and_traced_in_the_log(tmp_path):
    log = tmp_path / "step.log"
    code = (
        "from stclusters.logs import logged_step\n"
        "from stclusters.extract import ExtractError\n"
        f"with logged_step({str(log)!r}, 'extract'):\n"
        "    raise ExtractError('data/x.csv: row 37: bad_quote: a quote\\nopened')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO)
    assert proc.returncode == 1
    err = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln]
    assert len(err) == 1 and err[0].endswith(
        "extract: data/x.csv: row 37: bad_quote: a quote opened")
    assert "Traceback" not in proc.stderr
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and text.count("row 37") == 2  # in the traceback, one line


def test_user_error_can_be_raised_again(tmp_path):
    with pytest.raises(ExtractError), logged_step(tmp_path / "s.log", "x",
                                                  exit_on_user_error=False):
        raise ExtractError("bad")
