"""Reading the repository's OpenAPI files in tests: loading, walking operations, resolving references."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DOCS = Path(__file__).parents[2] / "docs"
METHODS = {"get", "put", "post", "delete", "patch"}


def load_spec(name: str) -> dict[str, Any]:
    """With PyYAML where installed; otherwise as JSON, the subset of YAML the files are written in."""
    text = (DOCS / name).read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        loaded = json.loads(text)
    else:
        loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) the document describes."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref`` chain followed inside the same document."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` anywhere below ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)
