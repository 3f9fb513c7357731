"""What is particular to the Final POS API, in one place: the generic stages consult it.

A NestJS backend: controller method names (`findAll`, `findOne`...) name the client's
methods. Customer DTOs are built at runtime from each tenant's custom tables, so the
customer resource is runtime-shaped: a tenant's properties beyond the official ones are
its custom fields, and two custom-table endpoints describe them at run time.
"""

from __future__ import annotations

from generator.client_model import Resource

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


def custom_table_endpoints(resources: dict[str, Resource]) -> dict[str, str] | None:
    """Paths of the custom-table structure lists and the fields list's table parameter,
    when the document has both endpoints (else None: no `custom_fields_model`)."""
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


def runtime_shaped_modules(resources: dict[str, Resource]) -> list[str]:
    """The resource modules whose models are runtime-shaped (their classes vary per tenant)."""
    return [r.attribute for key, r in resources.items() if key in RUNTIME_SHAPED_RESOURCES]
