"""`finalpos-codegen diff` and `changelog`: the real 1.0.0 → 1.2.4 release (golden record,
checked by hand against both documents), a simulated release with one change per rule,
identity diffs, formats and exit codes."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.changelog import changelog_entry, next_version, to_json
from generator.changes import RULES
from generator.compat import judge
from generator.diff import diff
from generator.finalpos import official_of
from generator.normalize import normalize, normalize_against
from generator.validate import load_spec
from tests.conftest import (
    DEMO_TENANT_SPEC,
    FIXTURES,
    FROZEN,
    FROZEN_SPEC,
    OLD_SPEC,
    real_world_documents,
)


@pytest.fixture(scope="module")
def release_report():
    """The real release, each change at the level of what it does to the client's users."""
    return judge(
        normalize(load_spec(OLD_SPEC)), normalize(load_spec(FROZEN_SPEC)), "finalpos"
    ).report


def rules_of(changes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for change in changes:
        found.setdefault(change.rule, []).append(change.message)
    return found


def test_release_1_0_0_to_1_2_4_findings(release_report):
    """What a reader of the two documents sees, rule by rule."""
    found = rules_of(release_report.changes)
    assert (
        "customers.create moved from POST /v1/api/customers to POST /v1/api/customer"
        in found["operation-moved"]
    )
    assert (
        len(found["operation-moved"]) == 4
    )  # create, retrieve, update, delete: /customers → /customer
    assert (
        "Customer.fromOliver removed (renamed to fromFinal?)" in found["response-property-removed"]
    )
    assert "Customer.fromFinal added (boolean)" in found["optional-property-added"]
    assert "Customer.metadata: object → array of MetadataDto" in found["property-type-changed"]
    assert (
        "CreateCustomerDto.metadata: object → array of MetadataDto"
        in found["property-type-changed"]
    )
    # the scheme's key renamed, the same header sent: said once, and no code can tell
    (renamed,) = [c for c in release_report.changes if c.rule == "security-changed"]
    assert "api-key" in renamed.message and "X-Api-Key" in renamed.message
    assert "(5 operations)" in renamed.message and renamed.level == "info"
    assert "GET /v1/api/products added (products.list)" in found["operation-added"]
    assert len(found["operation-added"]) == 65
    assert (
        "operationId CustomerController_findAll → CustomersController_findAll"
        in found["operation-id-changed"]
    )
    assert release_report.custom_fields == []
    assert release_report.level_reached("breaking")


def test_release_golden_report(release_report):
    """The whole report, reviewed once. Regenerate with UPDATE_GOLDEN=1 after checking."""
    golden = FIXTURES / "golden" / "diff-1.0.0-to-1.2.4.json"
    text = to_json(release_report)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def simulated_release(base: dict[str, Any]) -> dict[str, Any]:
    """1.2.4 with one change for every rule."""
    new = copy.deepcopy(base)
    paths, schemas = new["paths"], new["components"]["schemas"]
    del paths["/v1/api/zapier-triggers/{id}"]["delete"]  # operation-removed
    paths["/v1/api/products/{id}"] = paths.pop("/v1/api/product/{id}")  # operation-moved
    paths["/v1/api/reports"] = {
        "get": copy.deepcopy(paths["/v1/api/products"]["get"])
    }  # operation-added
    paths["/v1/api/reports"]["get"].update(
        operationId="ReportsController_findAll", tags=["Reports"]
    )
    paths["/v1/api/category"]["post"]["operationId"] = (
        "CategoryController_add"  # operation-id-changed
    )
    customers = paths["/v1/api/customers"]["get"]
    customers["parameters"].append(
        {"name": "companyId", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    customers["parameters"].append(
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}}
    )
    outlets = paths["/v1/api/outlets"]["get"]["parameters"]
    outlets[1]["required"] = True  # parameter-became-required (limit)
    outlets[0]["schema"] = {"type": "string"}  # parameter-type-changed (skip)
    stations = paths["/v1/api/stations"]["get"]["parameters"]
    del stations[0]  # parameter-removed (skip)
    account = paths["/v1/api/account"]["post"]
    account["responses"]["200"] = account["responses"].pop("201")  # response-status-changed
    role = paths["/v1/api/roles/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    role["schema"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Roles"},
    }  # response-type-changed
    paths["/v1/api/session"]["post"]["responses"]["409"] = {
        "description": "Conflict"
    }  # error-response-added
    del paths["/v1/api/session/{id}"]["get"]["responses"]["400"]  # error-response-removed
    paths["/v1/api/product"]["post"]["security"] = [{"Bearer": []}]  # security-changed
    new["components"]["securitySchemes"]["Bearer"] = {"type": "http", "scheme": "bearer"}
    paths["/v1/api/station"]["post"]["summary"] = "Create a station"  # description-changed
    del schemas["Product"]["properties"]["description"]  # response-property-removed
    del schemas["CreateOutletDto"]["properties"]["taxId"]  # request-property-removed (+ response)
    schemas["CreateProductDto"]["required"].append("externalId")  # request-property-became-required
    schemas["CreateStationDto"]["properties"]["code"] = {"type": "string"}
    schemas["CreateStationDto"]["required"].append("code")  # request-property-added-required
    schemas["Product"]["properties"]["sku"]["type"] = "integer"  # property-type-changed
    errors = schemas["BadRequestErrorDto"]["properties"]["error"]["enum"]
    errors.remove(errors[-1])  # enum-value-removed
    errors.append("I'm a teapot")  # enum-value-added
    schemas["Product"]["properties"]["barcode"] = {"type": "string"}  # optional-property-added
    schemas["AuditDto"] = {
        "type": "object",
        "properties": {"at": {"type": "string"}},
    }  # schema-added
    del schemas["RefundsPaymentDto"]  # schema-removed
    del schemas["CreateRefundsDto"]["properties"]["payment"]
    del schemas["Refunds"]["properties"]["payment"]
    del schemas["UpdateRefundsDto"]["properties"]["payment"]
    new["servers"] = [{"url": "https://api.finalpos.example"}]  # servers-changed
    paths["/v1/api/orders"]["get"]["deprecated"] = True  # operation-deprecated
    paths["/v1/api/variants"]["get"]["parameters"][0]["deprecated"] = True  # parameter-deprecated
    schemas["Product"]["properties"]["name"]["deprecated"] = True  # property-deprecated
    return new


SIMULATED_FINDINGS = [
    ("operation-removed", "DELETE /v1/api/zapier-triggers/{id} removed"),
    (
        "operation-moved",
        "products.retrieve moved from GET /v1/api/product/{id} to GET /v1/api/products/{id}",
    ),
    ("parameter-added-required", "query parameter companyId added (required)"),
    ("parameter-added", "query parameter q added"),
    ("parameter-became-required", "query parameter limit is now required"),
    ("parameter-type-changed", "query parameter skip: integer → string"),
    ("parameter-removed", "query parameter skip removed"),
    ("response-status-changed", "success status 201 → 200"),
    ("response-type-changed", "response Roles → array of Roles"),
    ("response-property-removed", "Product.description removed (renamed to barcode?)"),
    ("request-property-removed", "CreateOutletDto.taxId removed"),
    ("request-property-became-required", "CreateProductDto.externalId is now required"),
    ("request-property-added-required", "CreateStationDto.code added as required (string)"),
    ("property-type-changed", "Product.sku: string → integer"),
    ("enum-value-added", 'BadRequestErrorDto.error: enum value "I\'m a teapot" added'),
    ("enum-value-removed", "BadRequestErrorDto.error: enum value 'Internal Server Error' removed"),
    ("optional-property-added", "Product.barcode added (string)"),
    ("schema-removed", "schema RefundsPaymentDto removed"),
    ("schema-added", "schema AuditDto added"),
    ("operation-deprecated", "GET /v1/api/orders is deprecated"),
    ("parameter-deprecated", "query parameter skip is deprecated"),
    ("property-deprecated", "Product.name is deprecated"),
]


def test_simulated_release_hits_every_rule(normalized_frozen, frozen_document):
    report = diff(normalized_frozen, normalize(simulated_release(frozen_document)))
    found = rules_of(report.changes)
    api_rules = {rule for rule in RULES if not rule.startswith("custom-field")}
    # each of these has its own test (next test, and the one-change releases)
    assert api_rules - set(found) == {
        "request-body-became-required",
        "request-body-media-changed",
        "path-parameter-renamed",
        "schema-renamed",
        "info-changed",
    }
    assert "GET /v1/api/zapier-triggers/{id} removed" not in found["operation-removed"]
    for rule, message in SIMULATED_FINDINGS:
        assert message in found[rule], (rule, found[rule])
    assert any("Bearer" in m for m in found["security-changed"])
    for change in report.changes:
        assert change.pointer.startswith("#/") and change.message
        assert change.operation or change.schema or change.rule == "servers-changed"


def test_request_body_became_required(normalized_frozen):
    new = normalized_frozen
    old = copy.deepcopy(new)
    old["paths"]["/v1/api/order/{id}"]["put"]["requestBody"]["required"] = False
    report = diff(old, new)
    assert [c.rule for c in report.changes] == ["request-body-became-required"]
    assert report.changes[0].operation == "PUT /v1/api/order/{id}"


def test_custom_fields_are_reported_apart(normalized_frozen):
    tenant = normalize_against(load_spec(DEMO_TENANT_SPEC), official_of(normalized_frozen))
    report = diff(normalized_frozen, tenant)
    assert report.changes == []
    messages = {c.message for c in report.custom_fields}
    assert "custom field loyalty.tier added: enum bronze|silver|gold" in messages
    assert "custom field loyalty.points added: integer" in messages
    assert "custom field preferences.newsletter added: boolean" in messages
    assert "custom field loyalty added: CustomerLoyalty" in messages
    assert not report.level_reached("any")
    changed = copy.deepcopy(tenant)
    changed["components"]["schemas"]["CustomerLoyalty"]["properties"]["tier"]["enum"].append(
        "platinum"
    )
    messages = {c.message for c in diff(tenant, changed).custom_fields}
    assert messages == {
        "custom field loyalty.tier: enum bronze|silver|gold → enum bronze|silver|gold|platinum"
    }


# The large documents (Stripe, OpenAI...) are left out: each costs two normalizations of
# megabytes for what the smaller ones, of every style, show already.
SELF_DIFF_MAX_BYTES = 1_000_000


@pytest.mark.fixed_inputs
@pytest.mark.parametrize(
    "path",
    [
        *sorted(FROZEN.glob("*.yaml")),
        *(
            p
            for p in real_world_documents()
            if not p.values[0] or p.values[0].stat().st_size < SELF_DIFF_MAX_BYTES
        ),
    ],
    ids=lambda p: getattr(p, "name", str(p)),
)
def test_diff_of_a_document_with_itself_is_empty(path, cli):
    code, out, err = cli("diff", str(path), str(path), "--format", "json", "--fail-on", "any")
    assert code == 0, err
    assert json.loads(out) == {"breaking": [], "non_breaking": [], "info": [], "custom_fields": []}


def test_cli_formats_and_exit_codes(cli):
    old, new = str(OLD_SPEC), str(FROZEN_SPEC)
    code, out, _err = cli("diff", old, new, "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert set(payload) == {"breaking", "non_breaking", "info", "custom_fields"}
    assert set(payload["breaking"][0]) == {
        "rule",
        "operation",
        "schema",
        "property",
        "pointer",
        "message",
    }
    assert cli("diff", old, new, "--fail-on", "never")[0] == 0
    code, out, _err = cli("diff", old, new, "--format", "markdown", "--fail-on", "never")
    assert "### Breaking changes" in out and "| `operation-moved` |" in out
    code, out, _err = cli("diff", str(FROZEN_SPEC), str(DEMO_TENANT_SPEC))
    assert code == 0 and "custom field loyalty.tier added" in out
    assert (
        cli("diff", str(DEMO_TENANT_SPEC), "--fail-on", "never")[0] == 0
    )  # OLD defaults to the snapshot
    code, _out, err = cli("diff", old, str(FIXTURES / "hostile" / "list.yaml"))
    assert code == 2 and "got list" in err


def test_changelog_proposes_versions_and_writes_the_file(tmp_path, cli):
    output = tmp_path / "client"
    output.mkdir()
    (output / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.4"\n')
    code, out, _err = cli(
        "changelog", str(OLD_SPEC), str(FROZEN_SPEC), "--output", str(output), "--write"
    )
    assert code == 0
    assert out.startswith("### 2.0.0 (API 1.0.0 → 1.2.4)")
    changelog = (output / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n\n### 2.0.0") and "#### Breaking changes" in changelog
    cli("changelog", str(FROZEN_SPEC), str(DEMO_TENANT_SPEC), "--output", str(output), "--write")
    entries = [
        line
        for line in (output / "CHANGELOG.md").read_text().splitlines()
        if line.startswith("### ")
    ]
    assert entries == ["### 1.3.0 (API 1.2.4 → 1.2.4)", "### 2.0.0 (API 1.0.0 → 1.2.4)"]


def test_next_version_without_changes_or_with_info_only():
    assert next_version("1.2.4", diff({"paths": {}}, {"paths": {}})) == "1.2.4"
    moved = diff({"paths": {}, "servers": [{"url": "a"}]}, {"paths": {}, "servers": [{"url": "b"}]})
    assert next_version("1.2.4", moved) == "1.2.5"


def test_simulated_release_document_stays_valid(frozen_document, tmp_path):
    """The simulated release is itself a valid description (so the rules fire on real input)."""
    spec = tmp_path / "next.yaml"
    spec.write_text(yaml.safe_dump(simulated_release(frozen_document), sort_keys=False))
    load_spec(Path(spec))


def _undeprecated(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _undeprecated(v) for k, v in node.items() if k != "deprecated"}
    return [_undeprecated(item) for item in node] if isinstance(node, list) else node


def test_deprecations_are_non_breaking_and_listed_apart_in_the_changelog():
    new = load_spec(FIXTURES / "corpus" / "deprecations.yaml")
    report = diff(normalize(_undeprecated(new)), normalize(new))
    assert rules_of(report.changes) == {
        "operation-deprecated": ["GET /orders/{id}/legacy is deprecated"],
        "parameter-deprecated": ["query parameter sort is deprecated"],
        "property-deprecated": ["Order.balance is deprecated", "CreateOrderDto.note is deprecated"],
    }
    pointers = {change.rule: change.pointer for change in report.changes}
    assert pointers["operation-deprecated"] == "#/paths/~1orders~1{id}~1legacy/get/deprecated"
    assert pointers["parameter-deprecated"] == "#/paths/~1orders/get/parameters/1/deprecated"
    assert not report.level_reached("breaking") and next_version("1.4.0", report) == "1.5.0"
    entry = changelog_entry(report, version="1.5.0", old_api="2", new_api="2")
    deprecated = entry.split("#### Deprecated")[1]
    assert "is deprecated" not in entry.split("#### Deprecated")[0]
    assert all(rule in deprecated for rule in pointers)


def test_release_notes_name_what_each_change_does_to_client_code(
    normalized_frozen, frozen_document
):
    new = normalize(simulated_release(frozen_document))
    verdict = judge(normalized_frozen, new, "finalpos")
    report, found = verdict.report, verdict.terms
    terms = {(change.rule, change.message): text for change, text in found.items()}
    assert terms[("parameter-added-required", "query parameter companyId added (required)")] == (
        "`client.customers.list(...)` → `client.customers.list(..., company_id=...)`: "
        "`company_id=` is now required"
    )
    assert terms[
        ("response-property-removed", "Product.description removed (renamed to barcode?)")
    ] == ("`Product.description` is gone")
    assert terms[("property-type-changed", "Product.sku: string → integer")] == (
        "`Product.sku` is now `int`, not `str`"
    )
    assert terms[("operation-added", "GET /v1/api/reports added (reports.list)")] == (
        "`client.reports.list(...)` is new"
    )
    assert terms[("operation-deprecated", "GET /v1/api/orders is deprecated")].startswith(
        "`client.orders.list(...)` is deprecated"
    )
    entry = changelog_entry(
        report,
        version="2.0.0",
        old_api="1.2.4",
        new_api="2.0.0",
        terms=found,
    )
    breaking = entry.split("#### Breaking changes")[1].split("####")[0]
    assert "| in your code |" in breaking and "`company_id=` is now required" in breaking
