"""A synthetic Final POS description N times the size of the real one: renamed copies of
every resource (paths, tags, operationIds and schemas), for the scale benchmark.

    python bench/synthetic.py 10 spec/finalpos-openapi.yaml out.yaml
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml


def _rename_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/components/schemas/", f"#/components/schemas/{prefix}")
                if key == "$ref"
                else _rename_refs(value, prefix)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename_refs(item, prefix) for item in node]
    return node


def scaled(document: dict[str, Any], factor: int) -> dict[str, Any]:
    """`document` plus `factor - 1` renamed copies of all its paths and schemas."""
    result = copy.deepcopy(document)
    schemas = document["components"]["schemas"]
    for index in range(1, factor):
        prefix = f"Copy{index}"
        for path, item in document["paths"].items():
            new_item = _rename_refs(copy.deepcopy(item), prefix)
            for operation in new_item.values():
                operation["operationId"] = prefix + operation["operationId"]
                operation["tags"] = [f"{prefix} {tag}" for tag in operation.get("tags", [])]
            result["paths"][path.replace("/v1/api/", f"/v1/api/copy{index}/")] = new_item
        for name, schema in schemas.items():
            result["components"]["schemas"][prefix + name] = _rename_refs(
                copy.deepcopy(schema), prefix
            )
    return result


def main() -> None:
    factor, source, target = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    document = yaml.load(source.read_text(), Loader=yaml.CSafeLoader)
    target.write_text(json.dumps(scaled(document, factor)))


if __name__ == "__main__":
    main()
