"""Checks of a validated config before anything runs (the pre-flight).

The JSON schema checks each value on its own; :func:`preflight` checks what the schema
cannot: values that must agree with each other (a window's end and start; a variant's
sources and the windows and clustering blocks they need; the variants that the sweep,
the sensitivity stage, regional rankings and comparisons name), inputs listed twice,
a population raster that cannot be opened, and an empty ``variants: {}`` in a user's
config file (config files are merged key by key into ``config.yaml``, so an empty mapping
would be silently ignored). Each problem raises :class:`ConfigError` with one line naming
the config key. ``rules/common.smk`` calls it right after the schema validation.
Checks that need the data run in the extract stage
(:func:`stclusters.extract.stage.check_data`).

Standard library (and rasterio, only for a configured raster): the Snakefile imports this
module while it builds the DAG.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stclusters.errors import ConfigError

__all__ = ["ConfigError", "preflight"]


def _check_window(key: str, window: Any) -> None:
    first, last = window
    if last < first:
        raise ConfigError(f"{key}: [{first}, {last}] ends before it starts; write "
                          f"[first year, last year]")


def check_windows(config: Mapping[str, Any]) -> None:
    """Every window (top level and variants') runs forward."""
    for source, spec in (config.get("windows") or {}).items():
        for which in ("current", "previous"):
            _check_window(f"windows.{source}.{which}", spec[which])
    for name, variant in config["variants"].items():
        for source, spec in (variant.get("windows") or {}).items():
            for which in ("current", "previous"):
                if which in spec:
                    _check_window(f"variants.{name}.windows.{source}.{which}", spec[which])


def check_variant_blocks(config: Mapping[str, Any]) -> None:
    """Every source a variant ranks has its windows and its clustering parameters."""
    if not config["variants"]:
        raise ConfigError("variants: no variant defined; a run ranks at least one")
    for name, variant in config["variants"].items():
        own_windows = variant.get("windows") or {}
        clus = variant.get("clustering") or {}
        algorithm = clus.get("algorithm", config["clustering"]["algorithm"])
        for source in variant["sources"]:
            spec = own_windows.get(source, {})
            top = (config.get("windows") or {}).get(source, {})
            for which in ("current", "previous"):
                if which not in spec and which not in top:
                    raise ConfigError(
                        f"windows.{source}.{which}: missing; variant {name} ranks {source} "
                        f"(set windows.{source} or variants.{name}.windows.{source})")
            if source not in (config["clustering"].get(algorithm) or {}):
                raise ConfigError(
                    f"clustering.{algorithm}.{source}: missing; variant {name} clusters "
                    f"{source} with {algorithm} (set it, {{}} for the defaults)")


def check_references(config: Mapping[str, Any]) -> None:
    """The variants named by the sweep, sensitivity, regional rankings and comparisons
    exist and suit them."""
    variants = config["variants"]
    defined = ", ".join(variants)
    sweep = config.get("sweep") or {}
    if sweep.get("enabled"):
        if sweep["variant"] not in variants:
            raise ConfigError(f"sweep.variant: {sweep['variant']!r} is not a variant; "
                              f"defined: {defined}")
        missing = sorted(set(sweep["sources"]) - set(variants[sweep["variant"]]["sources"]))
        if missing:
            raise ConfigError(f"sweep.sources: {', '.join(missing)} not ranked by variant "
                              f"{sweep['variant']}")
    sens = config.get("sensitivity") or {}
    if sens.get("enabled"):
        for name in sens["variants"]:
            if name not in variants:
                raise ConfigError(f"sensitivity.variants: {name!r} is not a variant; "
                                  f"defined: {defined}")
            clus = variants[name].get("clustering") or {}
            if clus.get("algorithm", config["clustering"]["algorithm"]) != "dbscan":
                raise ConfigError(f"sensitivity.variants: {name} uses HDBSCAN; the "
                                  f"sensitivity stage needs a DBSCAN variant")
    for region, spec in (config.get("regional") or {}).items():
        if spec["variant"] not in variants:
            raise ConfigError(f"regional.{region}.variant: {spec['variant']!r} is not a "
                              f"variant; defined: {defined}")
    for i, pair in enumerate(config.get("compare") or []):
        for name in pair:
            if name not in variants:
                raise ConfigError(f"compare[{i}]: {name!r} is not a variant; defined: "
                                  f"{defined}")


def check_inputs(inputs: Iterable[Mapping[str, Any]], workdir: str | Path = ".") -> None:
    """No input is listed twice (the same file, however written) unless the repeated
    entry says ``allow_duplicate: true``: every row would count twice."""
    seen: dict[str, int] = {}
    for i, entry in enumerate(inputs):
        path = os.path.normcase(os.path.realpath(Path(workdir) / str(entry["path"])))
        if path in seen and not entry.get("allow_duplicate", False):
            raise ConfigError(
                f"inputs[{i}].path: {entry['path']} is listed already (inputs[{seen[path]}]); "
                f"each of its rows would count twice; set allow_duplicate: true on "
                f"inputs[{i}] if that is meant")
        seen.setdefault(path, i)


def check_raster(config: Mapping[str, Any]) -> None:
    """A configured population raster exists and rasterio can open it."""
    raster = (config.get("intensity") or {}).get("raster")
    if not raster:
        return
    if not Path(raster).exists():
        raise ConfigError(f"intensity.raster: {raster} not found")
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(raster) as src:
            if src.count < 1:
                raise ConfigError(f"intensity.raster: {raster} has no band")
    except RasterioError as exc:
        raise ConfigError(f"intensity.raster: {raster} cannot be opened as a raster "
                          f"({' '.join(str(exc).split())})") from exc


def check_user_configs(configfiles: Iterable[str | Path],
                       overrides: Mapping[str, Any] | None = None) -> None:
    """No user config file (nor ``--config``) sets ``variants: {}``: merged key by key
    into config.yaml's variants, it would change nothing."""
    import yaml

    sources: list[tuple[str, Any]] = []
    for path in configfiles:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # Snakemake has read it already; it reports its own errors
        sources.append((str(path), data))
    if overrides:
        sources.append(("--config", overrides))
    for where, data in sources:
        if isinstance(data, Mapping) and "variants" in data and not data["variants"]:
            raise ConfigError(
                f"{where}: variants: {{}} is empty; config files are merged key by key "
                f"into config.yaml, so it would change nothing and config.yaml's variants "
                f"would run; name the variants to run, or leave the key out")


def schema_error_line(exc: BaseException) -> str | None:
    """``key: problem`` of a schema validation error (Snakemake's ``validate`` raises a
    WorkflowError from the jsonschema error), None for any other error."""
    for arg in (exc, exc.__cause__, exc.__context__, *getattr(exc, "args", ())):
        path = getattr(arg, "absolute_path", None)
        message = getattr(arg, "message", None)
        if path is not None and message is not None:
            key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path)
            key = key.replace(".[", "[") or "(top level)"
            return f"{key}: {' '.join(str(message).split())}"
    return None


def preflight(config: Mapping[str, Any], configfiles: Iterable[str | Path] = (),
              overrides: Mapping[str, Any] | None = None,
              workdir: str | Path = ".") -> None:
    """Run every check above; raise :class:`ConfigError` at the first problem."""
    check_user_configs(configfiles, overrides)
    check_variant_blocks(config)
    check_windows(config)
    check_references(config)
    check_inputs(config.get("inputs") or [], workdir)
    check_raster(config)
