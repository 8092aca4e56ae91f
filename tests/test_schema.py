"""The config schema documents every key, and the scenario files validate against it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))


def undocumented(node: object, path: str = "") -> list[str]:
    """Property paths of the schema without a description."""
    found: list[str] = []
    if not isinstance(node, dict):
        return found
    for key, sub in node.get("properties", {}).items():
        if isinstance(sub, dict) and "description" not in sub:
            found.append(f"{path}.{key}")
        found += undocumented(sub, f"{path}.{key}")
    for key in ("items", "additionalProperties"):
        found += undocumented(node.get(key), f"{path}[]")
    for key, sub in node.get("definitions", {}).items():
        found += undocumented(sub, f"#{key}")
    return found


def test_every_schema_key_has_a_description():
    assert undocumented(SCHEMA) == []


def test_undocumented_finds_a_missing_description():
    assert undocumented({"properties": {"a": {"type": "integer"}}}) == [".a"]


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(REPO) for p in (REPO / "config").rglob("*.yaml")) + [
        Path("config.yaml")])
def test_scenario_files_validate(path):
    config = yaml.safe_load((REPO / path).read_text(encoding="utf-8"))
    jsonschema.validate(config, SCHEMA)
