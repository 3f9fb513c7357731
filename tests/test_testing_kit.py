"""The generated test kit (`finalpos.testing.FakeAPI` and its pytest fixture), used as a
downstream project uses it: its own tests, in the venv of the installed client, with the
fixture and no import of the kit, in sync and async code."""

from __future__ import annotations

import subprocess

# A downstream project's tests of its own code, as its developers would write them.
DOWNSTREAM_TESTS = '''
import asyncio

import finalpos
import httpx
import pytest


def emails(client: finalpos.Client) -> list[str]:
    """The project's own code under test: every customer's email, across pages."""
    return [customer.email for customer in client.customers.list(limit=2)]


def test_crud_across_pages_keeps_custom_fields(finalpos_fake):
    client = finalpos_fake.client()
    created = [
        client.customers.create(
            email=f"{n}@example.com", first_name="Ada", last_name="L", extra_body={"vip": n == 0}
        )
        for n in range(5)
    ]
    assert len({customer.id for customer in created}) == 5 and created[0].created_at
    assert emails(client) == [f"{n}@example.com" for n in range(5)]  # three pages of two
    first = client.customers.retrieve(created[0].id)
    assert first.custom_fields == {"vip": True}  # a tenant's custom field, kept
    updated = client.customers.update(created[0].id, first_name="Grace")
    assert updated.first_name == "Grace" and updated.email == "0@example.com"
    client.customers.delete(created[0].id)
    with pytest.raises(finalpos.NotFoundError) as missing:
        client.customers.retrieve(created[0].id)
    assert missing.value.status_code == 404 and "not found" in str(missing.value)


def test_a_503_is_retried_past_and_calls_are_recorded(finalpos_fake):
    client = finalpos_fake.client()
    customer = client.customers.create(email="a@example.com", first_name="A", last_name="B")
    finalpos_fake.fail_next("customers.retrieve", status=503)
    assert client.customers.retrieve(customer.id).email == "a@example.com"
    retrieves = [call for call in finalpos_fake.calls if call.operation == "customers.retrieve"]
    assert len(retrieves) == 2 and retrieves[0].path.endswith(customer.id)
    create = finalpos_fake.calls[0]
    assert (create.operation, create.method) == ("customers.create", "POST")
    assert create.json["email"] == "a@example.com"


def test_a_server_side_400_is_a_bad_request_error(finalpos_fake):
    client = finalpos_fake.client()
    finalpos_fake.fail_next(
        "products.create",
        status=400,
        body={"statusCode": 400, "message": ["sku must be unique"], "error": "Bad Request"},
    )
    with pytest.raises(finalpos.BadRequestError, match="sku must be unique"):
        client.products.create(name="Tea", product_type="simple")


def test_a_missing_required_field_is_answered_as_the_server_would(finalpos_fake):
    http = httpx.Client(transport=httpx.MockTransport(finalpos_fake.handle))  # no client check
    response = http.post("http://fake.invalid/v1/api/customer", json={"email": "x@example.com"})
    assert response.status_code == 400
    assert "firstName should not be empty" in response.json()["message"]


def test_async_code_sees_the_same_store(finalpos_fake):
    async def run() -> list[str]:
        async with finalpos_fake.async_client() as client:
            await client.customers.create(email="z@example.com", first_name="Z", last_name="Y")
            page = await client.customers.list(limit=1)
            return [customer.email async for customer in page]

    assert asyncio.run(run()) == ["z@example.com"]
    assert finalpos_fake.stores["customers"]


def test_a_connection_error_is_an_api_connection_error(finalpos_fake):
    client = finalpos_fake.client(max_retries=0)
    finalpos_fake.fail_next("products.list", connection_error=True)
    with pytest.raises(finalpos.APIConnectionError):
        list(client.products.list())
'''


def test_a_downstream_projects_tests_pass_against_the_fake(client_python, tmp_path):
    """Run where the installed client is (pip install ./generated, pytest): the fixture
    comes from the package's pytest plugin, the tests import nothing of the kit."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_shop.py").write_text(DOWNSTREAM_TESTS)
    ran = subprocess.run(
        [str(client_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "6 passed" in ran.stdout


def test_the_fake_of_a_tenants_package_keeps_its_shape(tmp_path):
    """A tenant's package gets a fake of the tenant's shape: its typed custom fields are
    stored and returned (the demo tenant's `loyalty`)."""
    from tests.conftest import DEMO_TENANT_SPEC, run_cli, run_python

    output = tmp_path / "tenant"
    generated = run_cli("generate", "--spec", str(DEMO_TENANT_SPEC), "--output", str(output))
    assert generated.returncode == 0, generated.stderr
    script = """
import sys
from finalpos.testing import FakeAPI
client = FakeAPI().client()
made = client.customers.create(
    email="a@example.com", first_name="A", last_name="B", loyalty={"tier": "gold", "points": 3}
)
print(type(client.customers.retrieve(made.id).loyalty).__name__)
"""
    ran = run_python(script, path=output, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip() not in ("", "NoneType", "dict")
