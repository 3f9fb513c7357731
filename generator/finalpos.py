"""What is particular to the Final POS API, in one place: the generic stages consult it,
and apply it only to the Final POS API's own descriptions (`is_final_pos`): another document
gets names from its package name and no Final POS code or words (`profile`).

A NestJS backend: controller method names (`findAll`, `findOne`...) name the client's
methods. Customer DTOs are built at runtime from each tenant's custom tables, so the
customer resource is runtime-shaped: a tenant's properties beyond the official ones are
its custom fields, and two custom-table endpoints describe them at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.client_model import Profile, Resource
from generator.document import (
    Document,
    closure,
    iter_operations,
    ref_name,
    reference_graph,
    refs_in,
    schemas_of,
)
from generator.naming import class_name

# NestJS controller method names and the client method names they become.
NEST_METHOD_NAMES = {
    "create": "create",
    "findAll": "list",
    "findOne": "retrieve",
    "update": "update",
    "delete": "delete",
    "remove": "delete",
}
# Resources whose DTOs the API builds at runtime from each tenant's custom tables.
RUNTIME_SHAPED_RESOURCES = frozenset({"customers"})
# Set by the caller on a tenant's document: the customer properties of the official
# description (the vendored snapshot). Without it a document is official: all its customer
# properties are core, so a new release's new ones are API changes, not custom fields.
CORE_KEY = "x-finalpos-core-customer-properties"
# The resource whose `list` (the tables) and `list_fields` (a table's fields) describe the
# custom fields; `customers.custom_fields_model()` reads them at run time.
CUSTOM_TABLES_RESOURCE = "custom_tables"


# The Final POS API's descriptions: the snapshot, its releases and each tenant's. Its title,
# or a server of its own (a tenant's document may be retitled; its servers stay).
FINAL_POS_TITLE = re.compile(r"^\s*final\s*pos\b", re.IGNORECASE)
FINAL_POS_HOST = re.compile(r"^https?://([a-z0-9-]+\.)*finalpos\.com(:\d+)?(/|$)", re.IGNORECASE)
# The package name Final POS's own client is published under, and its classes' stem.
FINAL_POS_PACKAGE = "finalpos"
FINAL_POS_STEM = "FinalPOS"


def is_final_pos(document: Document) -> bool:
    """Whether `document` describes the Final POS API (its title, or a finalpos.com server)."""
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    if isinstance(info.get("title"), str) and FINAL_POS_TITLE.match(info["title"]):
        return True
    servers = document.get("servers") if isinstance(document.get("servers"), list) else []
    urls = [s.get("url") for s in servers if isinstance(s, dict)]
    return any(isinstance(url, str) and FINAL_POS_HOST.match(url) for url in urls)


def profile(document: Document, package: str) -> Profile:
    """The package's names come from its package name (`myapi` → `MyapiError`); Final POS's
    own package keeps the names its users have (`FinalPOSError`). The Final POS behaviours
    follow the document, whatever the package is called."""
    final_pos = is_final_pos(document)
    stem = FINAL_POS_STEM if final_pos and package == FINAL_POS_PACKAGE else class_name(package)
    return Profile(stem=stem, final_pos=final_pos)


def custom_table_endpoints(
    resources: dict[str, Resource], final_pos: bool
) -> dict[str, str] | None:
    """Paths of the custom-table structure lists and the fields list's table parameter,
    when the document is Final POS's and has both endpoints (else None: no
    `custom_fields_model`)."""
    if not final_pos:
        return None
    structure = {
        op.method_name: op
        for op in getattr(resources.get(CUSTOM_TABLES_RESOURCE), "operations", [])
    }
    tables, fields = structure.get("list"), structure.get("list_fields")
    if tables is None or fields is None or not fields.query_params:
        return None
    required = [q for q in fields.query_params if q.required]
    return {
        "tables": tables.path,
        "fields": fields.path,
        "table_parameter": (required or fields.query_params)[0].wire_name,
    }


def runtime_shaped_modules(resources: dict[str, Resource], final_pos: bool) -> list[str]:
    """The resource modules whose models are runtime-shaped (their classes vary per tenant)."""
    if not final_pos:
        return []
    return [r.attribute for key, r in resources.items() if key in RUNTIME_SHAPED_RESOURCES]


def mark_runtime_shaped_schemas(document: Document) -> Document:
    """Flag the customer DTOs, whose properties vary per tenant: the client must keep
    properties it does not know, so they must never be closed. Properties that are not
    core (`CORE_KEY`, else all of them) are listed as the tenant's custom fields, and the
    schemas named after them (one per custom table) are flagged as custom tables. Only
    in Final POS's descriptions: another API's `customers` are what its document says."""
    if not is_final_pos(document):
        return document
    schemas = schemas_of(document)
    runtime_shaped: list[str] = []
    for _path, _method, operation in iter_operations(document):
        if operation.get("x-finalpos-resource") not in RUNTIME_SHAPED_RESOURCES:
            continue
        holders = [operation.get("requestBody") or {}]
        holders += [r for s, r in (operation.get("responses") or {}).items() if str(s)[:1] == "2"]
        for holder in holders:
            for media in (holder.get("content") or {}).values():
                schema = (media or {}).get("schema")
                name = ref_name(schema) or ref_name((schema or {}).get("items"))
                if name in schemas and isinstance(schemas[name], dict):
                    schemas[name]["x-finalpos-runtime-shaped"] = True
                    schemas[name].pop("additionalProperties", None)
                    runtime_shaped.append(name)
    core_refs: set[str] = set()
    custom_refs: dict[str, str] = {}
    core = document.get(CORE_KEY)
    graph = reference_graph(schemas)
    for name in dict.fromkeys(runtime_shaped):
        properties = schemas[name].get("properties") or {}
        custom = [prop for prop in properties if core is not None and prop not in core]
        if custom:
            schemas[name]["x-finalpos-custom-fields"] = custom
        for prop, prop_schema in properties.items():
            if prop in custom:
                for ref in closure(refs_in(prop_schema), graph):
                    custom_refs.setdefault(ref, prop)
            else:
                core_refs |= closure(refs_in(prop_schema), graph)
    for ref, prop in custom_refs.items():
        if ref not in core_refs:
            schemas[ref]["x-finalpos-custom-table"] = prop
    return document


@dataclass(frozen=True)
class Official:
    """The vendored release a document is read against: a tenant's description of the same
    API version has custom fields, its customer properties that are not `core`."""

    api_version: str
    core: tuple[str, ...]


def official_of(normalized: Document) -> Official:
    """The `Official` record of a normalized release."""
    version = str((normalized.get("info") or {}).get("version"))
    return Official(version, tuple(core_properties(normalized)))


def recorded_core(normalized: Document) -> tuple[str, ...] | None:
    """What a lock records of a normalized release: its core customer properties, when it is
    Final POS's (None: nothing to record)."""
    return tuple(core_properties(normalized)) if is_final_pos(normalized) else None


def core_properties(normalized: Document) -> list[str]:
    """The core customer properties of a normalized document: those of its runtime-shaped
    schemas that are not custom fields, sorted."""
    found: set[str] = set()
    for schema in schemas_of(normalized).values():
        if isinstance(schema, dict) and schema.get("x-finalpos-runtime-shaped"):
            custom = set(schema.get("x-finalpos-custom-fields") or [])
            found |= {str(p) for p in schema.get("properties") or {} if p not in custom}
    return sorted(found)
