"""Runtime-shaped customer schemas: tenants' custom fields typed per tenant, kept by
everyone. Three tenant shapes: the demo tenant (one nested object per custom table),
a flat one (fields directly on the customer) and a nested one with arrays of objects."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.check import compare_trees
from generator.diff import diff
from generator.document import schemas_of
from generator.examples import example_value
from generator.finalpos import official_of
from generator.normalize import normalize, normalize_against
from generator.render import render
from generator.validate import load_spec
from tests.conftest import DEMO_TENANT_SPEC, FROZEN_SPEC, ROOT, mypy_strict, ruff

CUSTOMER_DTOS = ("CreateCustomerDto", "UpdateCustomerDto", "Customer")
VISIT = {
    "type": "object",
    "properties": {"outletId": {"type": "string"}, "at": {"type": "string", "format": "date-time"}},
}
FLAT = {
    "vipLevel": {"type": "string", "enum": ["bronze", "silver", "gold"]},
    "birthday": {"type": "string", "format": "date-time"},
    "visits": {"type": "array", "items": VISIT},
    "score": {"type": "number"},
}
NESTED = {
    "membership": {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": ["basic", "plus"]},
            "since": {"type": "string", "format": "date-time"},
            "cards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "string"},
                        "issuedAt": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    },
    "prefs": {"type": "object", "properties": {"sms": {"type": "boolean"}}},
}


def tenant_document(base: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(base)
    for name in CUSTOMER_DTOS:
        document["components"]["schemas"][name]["properties"].update(copy.deepcopy(custom))
    return document


@pytest.fixture(scope="module")
def tenants(
    base_document, normalized_base, normalized_frozen, tmp_path_factory
) -> dict[str, tuple[dict[str, Any], Path]]:
    """Package name → (normalized document, output folder)."""
    root = tmp_path_factory.mktemp("tenants")
    documents = {
        "tenant_demo": normalize_against(
            load_spec(DEMO_TENANT_SPEC), official_of(normalized_frozen)
        ),
        "tenant_flat": normalize_against(
            tenant_document(base_document, FLAT), official_of(normalized_base)
        ),
        "tenant_nested": normalize_against(
            tenant_document(base_document, NESTED), official_of(normalized_base)
        ),
    }
    result = {}
    for package, document in documents.items():
        output = root / package
        render(document, output, package=package)
        result[package] = (document, output)
    return result


def run_python(script: str, package_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh interpreter that imports the package generated in `package_root`."""
    environment = {**os.environ, "PYTHONPATH": str(package_root)}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env=environment,
        capture_output=True,
        text=True,
        cwd="/",
    )


def test_demo_tenant_generation_changes_only_customer_files(tmp_path, normalized_frozen):
    """The frozen 1.2.4 and its demo tenant: fixed inputs, so a fixed list of files."""
    base = tmp_path / "base"
    render(normalized_frozen, base, package="finalpos")
    tenant = normalize_against(load_spec(DEMO_TENANT_SPEC), official_of(normalized_frozen))
    output = tmp_path / "tenant"
    render(tenant, output, package="finalpos")
    changed = {drift.path for drift in compare_trees(base, output)}
    assert changed == {
        "finalpos/models/customers.py",
        "finalpos/resources/customers.py",
        "tests/test_customers.py",
        "tests/openapi.json",  # the tenant's description, served to its contract tests
        "finalpos/_fake.json",  # the test kit's fake stores the tenant's customers
        "finalpos/params.py",  # the TypedDicts of the tenant's customer bodies
        "api.md",  # the reference of the tenant's customer fields
    }
    report = diff(normalized_frozen, tenant)
    assert report.changes == []  # the description differs in customer custom fields only
    assert report.custom_fields


def test_tenant_packages_pass_ruff_and_mypy_strict(tenants):
    for _document, output in tenants.values():
        result = ruff("check", cwd=output)
        assert result.returncode == 0, result.stdout
    result = mypy_strict({name: output for name, (_document, output) in tenants.items()})
    assert result.returncode == 0, result.stdout


TYPED_CHECK = """
import datetime, json, sys, pydantic
from {package}.models import Customer
wire = json.loads(sys.argv[1])
customer = Customer.model_validate(wire)
assert set(customer.custom_fields) == set(json.loads(sys.argv[2])), customer.custom_fields
{checks}
for path, bad in json.loads(sys.argv[3]):
    broken = json.loads(sys.argv[1])
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    try:
        Customer.model_validate(broken)
    except pydantic.ValidationError as error:
        locations = [".".join(str(p) for p in e["loc"]) for e in error.errors()]
        assert any(loc.startswith(".".join(str(p) for p in path)) for loc in locations), locations
    else:
        raise AssertionError(f"{{path}} = {{bad!r}} was accepted")
print("ok")
"""

CASES = {
    "tenant_demo": (
        ["loyalty", "preferences"],
        "assert type(customer.loyalty).__name__ == 'CustomerLoyalty'\n"
        "assert customer.loyalty.points == 1200\n"
        "loyalty = {**wire['loyalty'], 'tier': 'platinum'}\n"
        "newer = Customer.model_validate({**wire, 'loyalty': loyalty})\n"
        "assert newer.loyalty.tier == 'platinum'  # an option the tenant added since: read\n"
        'assert \'"tier":"platinum"\' in newer.model_dump_json(by_alias=True)',
        [
            (["loyalty", "points"], "many"),
            (["loyalty", "tier"], {"not": "an option"}),
            (["preferences", "newsletter"], []),
        ],
    ),
    "tenant_flat": (
        ["vipLevel", "birthday", "visits", "score"],
        "assert customer.vip_level == 'bronze'\n"
        "assert isinstance(customer.birthday, datetime.datetime)\n"
        "assert isinstance(customer.visits[0].at, datetime.datetime)",
        [
            (["vipLevel"], ["platinum"]),
            (["birthday"], "not a date"),
            (["visits", 0, "at"], "later"),
        ],
    ),
    "tenant_nested": (
        ["membership", "prefs"],
        "assert customer.membership.level == 'basic'\n"
        "assert isinstance(customer.membership.cards[0].issued_at, datetime.datetime)",
        [
            (["membership", "level"], {"level": "gold"}),
            (["membership", "cards", 0, "issuedAt"], "soon"),
            (["prefs", "sms"], "x"),
        ],
    ),
}


@pytest.mark.parametrize("package", sorted(CASES))
def test_tenant_custom_fields_are_typed_and_wrong_types_name_the_field(tenants, package):
    document, output = tenants[package]
    custom, checks, bad_values = CASES[package]
    wire = example_value({"$ref": "#/components/schemas/Customer"}, schemas_of(document))
    if package == "tenant_demo":
        wire["loyalty"]["points"] = 1200
    script = TYPED_CHECK.format(package=package, checks=checks)
    result = run_python(
        script, output, json.dumps(wire), json.dumps(custom), json.dumps(bad_values)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


ROUND_TRIP = """
import datetime, json, sys
from finalpos.models import Customer
def values(node):  # datetimes as instants: the same value, whatever its spelling
    if isinstance(node, dict):
        return {key: values(value) for key, value in node.items()}
    if isinstance(node, list):
        return [values(item) for item in node]
    try:
        return datetime.datetime.fromisoformat(node) if isinstance(node, str) else node
    except ValueError:
        return node
wire = sys.argv[1]
customer = Customer.model_validate_json(wire)
custom = {k: v for k, v in json.loads(wire).items() if k in ("loyalty", "preferences")}
assert customer.custom_fields == custom
written = customer.model_dump_json(by_alias=True, exclude_unset=True)
assert values(json.loads(written)) == values(json.loads(wire)), written
assert Customer.model_validate_json(written) == customer
print("ok")
"""


def test_base_client_keeps_demo_tenant_fields_and_writes_back_the_same_values(fresh_generation):
    """The base client knows no custom field; it keeps them all and writes the customer
    back with the values it read (datetimes the same instants)."""
    tenant = normalize(load_spec(DEMO_TENANT_SPEC))
    wire = example_value({"$ref": "#/components/schemas/Customer"}, schemas_of(tenant))
    assert {"loyalty", "preferences", "createdAt"} <= set(wire)
    text = json.dumps(wire, separators=(",", ":"), ensure_ascii=False)
    result = run_python(ROUND_TRIP, fresh_generation, text)
    assert result.returncode == 0, result.stderr


def test_check_against_a_tenant_explains_custom_field_changes(cli, tmp_path):
    """In a project whose snapshot is the frozen 1.2.4 (whatever release is vendored here),
    a check against the 1.2.4 tenant's description names its custom fields."""
    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copy2(FROZEN_SPEC, project / "spec" / "finalpos-openapi.yaml")
    assert cli("generate", cwd=project)[0] == 0
    code, out, _err = cli("check", "--spec", str(DEMO_TENANT_SPEC), cwd=project)
    assert code == 1
    assert "custom field loyalty.tier added: enum bronze|silver|gold" in out
    assert "changed  finalpos/models/customers.py" in out
