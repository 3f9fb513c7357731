"""Whether the client generated before a release can still read what the release's server
sends: each documented success response of the new document (its own example, else a sample
of its schema) is answered to the old package's method, in a child interpreter that imports
the old package, through an in-memory transport. What fails names the field and the value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.document import Document, schemas_of
from generator.examples import media_example, sample
from generator.model import build
from generator.operation import operations

# Answers each case's body to its method and prints, per case, the fields it could not read.
_READ = """
import inspect, json, sys, importlib, httpx
package = importlib.import_module(sys.argv[1])
cases = json.load(sys.stdin)
current = {}
def answer(request):
    return httpx.Response(current["status"], json=current["body"])
http = httpx.Client(transport=httpx.MockTransport(answer))
EVERY = {"api_key": "k", "bearer_token": "t", "username": "u", "password": "p"}
TAKEN = inspect.signature(package.Client).parameters  # the credentials its schemes use
CREDENTIALS = {name: value for name, value in EVERY.items() if name in TAKEN}
client = package.Client(**CREDENTIALS, base_url="http://test", http_client=http, max_retries=0)
failures = []
for case in cases:
    current.update(case)
    method = getattr(getattr(client, case["resource"]), case["method"])
    try:
        result = method(*case["args"], **case["kwargs"])
        list(result) if case["paginated"] else None
    except package.APIResponseValidationError as error:
        for detail in error.errors[:3]:
            where = ".".join(str(part) for part in detail.get("loc", ())) or "(root)"
            failures.append([case["label"], where, repr(detail.get("input"))[:60]])
    except Exception as error:  # what the old client does with it is the finding
        failures.append([case["label"], "(root)", type(error).__name__])
print(json.dumps(failures))
"""


@dataclass(frozen=True)
class Unreadable:
    """A response of the new release that the old client fails on, at one field."""

    label: str
    where: str
    value: str

    def line(self, old_version: str) -> str:
        return f"clients ≤ {old_version} cannot read `{self.label}`: `{self.where}` {self.value}"


def cases(old: Document, new: Document, package: str) -> list[dict[str, Any]]:
    """One call per operation both documents have with a JSON success response: the old
    client's method and arguments (from the old document), the new document's body."""
    old_client = build(old, package=package)
    by_place = {(op.http_method, op.path): op for op in old_client.operations}
    old_views = {(view.method, view.path): view for view in operations(old)}
    old_schemas, new_schemas = schemas_of(old), schemas_of(new)
    found = []
    for view in operations(new):
        op = by_place.get((view.method, view.path))
        if op is None or view.success is None or view.success.media != "json":
            continue
        if op.response_kind in ("none", "json", "text", "binary"):
            continue  # nothing it validates
        example = media_example(view.success.raw)
        if example is None:
            example = sample(view.success.schema, new_schemas, examples=True)
        required = [q for q in op.query_params + op.header_params if q.required]
        kwargs = {q.name: sample(q.schema, old_schemas) for q in required}
        sent = old_views[(view.method, view.path)].body
        if (op.body_model or op.body_annotation) and sent is not None:
            kwargs["body"] = sample(sent.schema, old_schemas)
        found.append(
            {
                "label": view.label,
                "resource": op.resource,
                "method": op.method_name,
                "args": [sample(p.schema, old_schemas) for p in op.path_params],
                "kwargs": kwargs,
                "status": op.success_status,
                "body": [example] if op.paginated and not isinstance(example, list) else example,
                "paginated": op.paginated,
            }
        )
    return found


def unreadable(old: Document, new: Document, package: str, old_output: Path) -> list[Unreadable]:
    """What the package in `old_output` (generated from `old`) cannot read of `new`'s
    documented responses; [] when there is no old package to ask."""
    if not (old_output / package / "__init__.py").is_file():
        return []
    found = cases(old, new, package)
    if not found:
        return []
    ran = subprocess.run(
        [sys.executable, "-c", _READ, package],
        input=json.dumps(found),
        env={**os.environ, "PYTHONPATH": str(old_output)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if ran.returncode != 0:
        last = (ran.stderr.strip().splitlines() or ["no output"])[-1]
        return [Unreadable("(the old client)", "(import)", last[:120])]
    return [Unreadable(*failure) for failure in json.loads(ran.stdout)]
