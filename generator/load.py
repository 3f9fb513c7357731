"""Stage 1a: bytes → document. Parsing (JSON or YAML, without alias bombs) within size and
depth limits, and the structure checks the validator reports badly or not at all (external
`$ref`s, not OpenAPI 3). No network, no validation: `read_spec`
is what every later stage uses to read a file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from generator.document import iter_refs
from generator.errors import SpecError, json_pointer
from generator.recent import Recent, digest

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# YAML aliases are shared references: a few kilobytes can stand for billions of
# nodes once anything walks the tree. Count the expanded size before building it.
MAX_EXPANDED_NODES = 2_000_000
# Deeper JSON nesting than this is refused: real descriptions stay far below it, and the
# validator and the model generator recurse.
MAX_NESTING = 128
# Reading the same YAML again costs a copy, ten times cheaper than parsing it. JSON parses
# faster than it copies: not kept.
_PARSED_YAML: Recent[Any] = Recent(kept=4)


class _SpecLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML without implicit timestamps: `2025-01-01` stays the string the spec wrote.
    Mapping keys are names in OpenAPI (status codes, paths, properties): a plain key is the
    text written, so `200:` is "200" as in JSON, and `on:` is "on", not True."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # merge keys (`<<: *base`) first: they are not names
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                key.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep=deep)


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(data: bytes, source: str) -> dict[str, Any]:
    """Parse JSON or YAML bytes into a plain dict, refusing alias bombs and non-mappings."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SpecError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"document is not UTF-8 text ({exc.reason})", source=source) from exc
    if not text.strip():
        raise SpecError("document is empty", source=source)
    document = _parse_json(text) if text.lstrip()[:1] in "{[" else None
    if document is None:
        document = _parse_yaml_once(text, source)
    if not isinstance(document, dict):
        kind = type(document).__name__
        hint = " (an HTML page?)" if text.lstrip().startswith("<") else ""
        raise SpecError(f"expected an OpenAPI object at the top, got {kind}{hint}", source=source)
    return document


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None  # not JSON after all: YAML may still read it


def _parse_yaml_once(text: str, source: str) -> Any:
    """`_parse_yaml`, or a copy of what it gave for the same text lately."""
    return copy.deepcopy(_PARSED_YAML.get(digest(text), lambda: _parse_yaml(text, source)))


def _parse_yaml(text: str, source: str) -> Any:
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError("document is empty", source=source)
        _check_expanded_size(node, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"not valid YAML or JSON{where}: {exc.problem}", source=source) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML or JSON: {exc}", source=source) from exc
    finally:
        loader.dispose()


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Count nodes as if every alias were copied out, memoized so the count itself is cheap."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise SpecError("YAML alias refers to itself (recursive document)", source=source)
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        in_progress.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise SpecError(
                f"YAML aliases expand past {MAX_EXPANDED_NODES} nodes (alias bomb?)", source=source
            )
        return total

    size(root)


def _walk(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node with its path, depth first, without recursion."""
    stack = [(node, where)]
    while stack:
        current, path = stack.pop()
        yield current, path
        if isinstance(current, dict):
            stack.extend((value, (*path, key)) for key, value in reversed(current.items()))
        elif isinstance(current, list):
            stack.extend(
                (value, (*path, index)) for index, value in reversed(list(enumerate(current)))
            )


def check_structure(document: dict[str, Any], source: str) -> None:
    """What the validator reports badly or not at all, each with its JSON pointer:
    nesting too deep to process, external $refs. (A local `$ref` that points to nothing, and
    an operationId used twice, are repairs: `generator.repair`.)"""
    for _node, where in _walk(document):
        if len(where) > MAX_NESTING:
            raise SpecError(
                f"nests deeper than {MAX_NESTING} levels",
                source=source,
                pointer=json_pointer(where),
            )
    for ref, where in iter_refs(document):
        if not ref.startswith("#"):
            raise SpecError(
                f"external $ref {ref!r} is not supported",
                source=source,
                pointer=json_pointer((*where, "$ref")),
            )


def check_basics(document: dict[str, Any], source: str) -> None:
    """OpenAPI 3.x, and `check_structure`: what later stages rely on, checked quickly."""
    if "swagger" in document:
        raise SpecError(
            f"Swagger {document['swagger']} is not supported; convert it to OpenAPI 3",
            source=source,
            pointer="#/swagger",
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(
            f"expected 'openapi: 3.x', got {version!r}", source=source, pointer="#/openapi"
        )
    check_structure(document, source)


def read_spec(path: Path) -> dict[str, Any]:
    """Read and parse a local document (not yet validated)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the document: {exc.strerror}", source=str(path)) from exc
    return parse_document(data, str(path))
