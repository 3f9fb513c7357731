"""Stage 4b: the models' Python code, by datamodel-code-generator from the model document
(`generator.model_document`).

Importing its parser takes 0.3 s, most of the time of generating a small document. A
one-shot command starts `ModelCodeChild` first thing: the child imports it while this
process reads, normalizes and renders. A long-lived process (tests, a library user) calls
`model_code` here and imports it once.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from generator.child import Child, serve
from generator.document import iter_schemas
from generator.errors import SpecError
from generator.naming import ascii_identifier
from generator.recent import Recent, digest

# By relative path (`("shared.py",)`), or one module's text when there is only one.
ModelCode = dict[tuple[str, ...], str] | str
# What makes the models' code: `model_code`, or a `ModelCodeChild`'s.
ModelCoder = Callable[[dict[str, Any], str, str], ModelCode]
# The module whose import is the slow part.
PARSER = "datamodel_code_generator.parser.openapi"


# Rendering the same document again (0.4 s of models for Final POS) costs a lookup.
_MADE: Recent[ModelCode] = Recent(kept=8)


def model_code(model_document: dict[str, Any], base_class: str, header: str) -> ModelCode:
    """The models of `model_document`, subclasses of `base_class` (a dotted name), each
    module starting with the comment `header`; what datamodel-code-generator cannot do is
    a SpecError."""
    made = _MADE.get(
        digest(model_document, base_class, header),
        lambda: _generated(model_document, base_class, header),
    )
    return dict(made) if isinstance(made, dict) else made


def _generated(model_document: dict[str, Any], base_class: str, header: str) -> ModelCode:
    from datamodel_code_generator import (
        DataModelType,
        DatetimeClassType,
        InputFileType,
        PythonVersion,
        generate,
    )

    try:
        with warnings.catch_warnings():
            # Its warnings speak of its own files and of formats and constraints the model
            # document no longer holds: none is the user's to act on.
            warnings.simplefilter("ignore")
            result = generate(
                model_document,
                input_file_type=InputFileType.OpenAPI,
                output_model_type=DataModelType.PydanticV2BaseModel,
                target_python_version=PythonVersion.PY_311,
                snake_case_field=True,
                strict_nullable=True,
                allow_population_by_field_name=True,
                extra_fields="allow",
                use_annotated=True,
                field_constraints=True,
                use_standard_collections=True,
                use_union_operator=True,
                use_schema_description=True,
                use_field_description=True,
                enum_field_as_literal="all",
                output_datetime_class=DatetimeClassType.Datetime,
                disable_timestamp=True,
                custom_file_header=header,
                formatters=[],
                base_class=base_class,
                aliases=_ascii_field_names(model_document),
            )
    except RecursionError as exc:
        raise SpecError("schemas nest too deeply to generate models") from exc
    except Exception as exc:  # datamodel-code-generator reports bad schemas in many types
        raise SpecError(f"cannot generate models: {exc}") from exc
    return result or {}


def _ascii_field_names(model_document: dict[str, Any]) -> dict[str, str]:
    """A plain ASCII field name for every property name that is not one (`café` → `cafe`,
    `名前` → `field_540d_524d`): the model generator would keep `名前` as it is, and fail on
    names NFKC changes (`ﬁle`)."""
    names = {
        name
        for schema, _where in iter_schemas(model_document)
        for name in (schema.get("properties") or {})
        if isinstance(name, str) and not name.isascii()
    }
    return {name: ascii_identifier(name) for name in sorted(names)}


class ModelCodeChild(Child):
    """`model_code` in a child interpreter that imports the model generator at once."""

    def __init__(self) -> None:
        super().__init__(__name__, "model generation")

    def model_code(self, model_document: dict[str, Any], base_class: str, header: str) -> ModelCode:
        self.send(model_document, base_class, header)
        return self.result()


@contextlib.contextmanager
def model_coder() -> Iterator[ModelCoder]:
    """What makes the models' code for one command: `model_code` itself in a process that
    has imported the model generator already (a test run, a program calling `main` again),
    else a `ModelCodeChild` started now, which imports it while the caller reads and renders."""
    if PARSER in sys.modules:
        yield model_code
    else:
        with ModelCodeChild() as child:
            yield child.model_code


if __name__ == "__main__":
    import datamodel_code_generator.model.pydantic_v2
    import datamodel_code_generator.parser.openapi  # noqa: F401 (the slow import, done first)

    serve(_generated)  # one call per child: `model_code`'s digest would buy nothing
