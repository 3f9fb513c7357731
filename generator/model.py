"""Stage 3: turn the normalized document into plain data the templates render.

Everything that becomes a Python name or annotation is decided here, through
`generator.naming`, so templates only place values and never invent names.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from generator.client_model import (
    RESERVED_METHODS,
    Argument,
    ClientModel,
    ErrorResponse,
    Operation,
    Param,
    ParamField,
    Resource,
    Schema,
)
from generator.contract import contract_case, field_checks
from generator.document import (
    Document,
    Field,
    closure,
    is_object,
    ref_name,
    reference_graph,
    refs_in,
    schemas_of,
    text,
)
from generator.errors import SpecError
from generator.finalpos import custom_table_endpoints, profile, runtime_shaped_modules
from generator.model_document import MODEL_MODULE_NAMES, model_document
from generator.naming import METHOD_BODY_NAMES, class_name, identifier, unique
from generator.operation import OperationView, operations
from generator.repair import REPAIRS
from generator.schema import ARGUMENT_FORMATS, FORMAT_TYPES, SchemaView, flat_view
from generator.schema import view as schema_view
from generator.security import (
    Scheme,
    most_common,
    requirement,
    schemes_of,
)

SHARED_MODULE = "shared"
# The client's own public attributes (`_base_client.py`, `_client.py`): no resource takes them.
CLIENT_ATTRIBUTES = frozenset(
    {
        "base_url",
        "close",
        "copy",
        "max_retries",
        "request",
        "request_raw",
        "timeout",
        "with_options",
    }
)


def assign_modules(
    views: list[OperationView], schemas: dict[str, Any], resource_modules: dict[str, str]
) -> dict[str, str]:
    """Put each schema in the module of the one resource that uses it, else in `shared`.

    Anything a shared schema refers to is shared too, so resource modules import
    `shared` and never each other.
    """
    users: dict[str, set[str]] = {name: set() for name in schemas}
    graph = reference_graph(schemas)
    for view in views:
        module = resource_modules[view.resource]
        for name in closure(refs_in(view.raw), graph):
            users[name].add(module)
    modules = {name: (next(iter(u)) if len(u) == 1 else SHARED_MODULE) for name, u in users.items()}
    shared = {name for name, module in modules.items() if module == SHARED_MODULE}
    for name in closure(shared, graph):
        modules[name] = SHARED_MODULE
    return modules


_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def _members(annotation: str) -> list[str]:
    """The top-level members of `A | B[C | D] | Literal['x | y']`."""
    members, depth, quote, escaped, start = [], 0, "", False, 0
    for index, char in enumerate(annotation):
        if quote:
            escaped, quote = (
                (not escaped and char == "\\"),
                ("" if char == quote and not escaped else quote),
            )
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif depth == 0 and annotation.startswith(" | ", index):
            members.append(annotation[start:index])
            start = index + 3
    return [*members, annotation[start:]]


def _union(parts: list[str]) -> str:
    """`A | B`, each member once, `None` last."""
    members = [member for part in parts for member in _members(part)]
    optional = "None" in members
    unique_parts = list(dict.fromkeys(m for m in members if m != "None"))
    if "Any" in unique_parts or not unique_parts:
        return "Any"
    return _nullable(" | ".join(unique_parts), optional)


def _nullable(annotation: str, nullable: bool) -> str:
    if not nullable or annotation in ("Any", "None") or annotation.endswith(" | None"):
        return annotation
    return f"{annotation} | None"


def _literal(values: list[Any]) -> str | None:
    """`Literal[...]` of an enum's values (spec text only as repr() literals), or None when a
    value cannot be one (objects, floats)."""
    kept = [v for v in values if v is not None]
    if not kept or not all(isinstance(v, str | int | bool) for v in kept):
        return None
    literal = f"Literal[{', '.join(repr(v) for v in kept)}]"
    return f"{literal} | None" if len(kept) < len(values) else literal


class Annotations:
    """Python annotations for schemas: method arguments (`accept_mappings`: a model or a
    plain mapping) and parsed responses (the model classes themselves)."""

    def __init__(
        self,
        schemas: dict[str, Any],
        class_names: dict[str, str],
        param_names: dict[str, str] | None = None,
    ):
        self.schemas = schemas
        self.class_names = class_names
        self.param_names = param_names or {}
        """An object schema's request TypedDict (`<Class>Param`), what a mapping for it is."""
        self.used_models: set[str] = set()
        self.used_params: set[str] = set()

    def of(self, schema: Any, *, accept_mappings: bool = True, depth: int = 0) -> str:
        if not isinstance(schema, dict) or depth > 16:
            return "Any"
        shape = schema_view(schema)
        if shape.ref is not None:
            target = self.schemas.get(shape.ref, {})
            if is_object(target):
                self.used_models.add(self.class_names[shape.ref])
                mapping = self._mapping(shape.ref) if accept_mappings else ""
                return _nullable(f"{self.class_names[shape.ref]}{mapping}", shape.nullable)
            inner = self.of(target, accept_mappings=accept_mappings, depth=depth + 1)
            return _nullable(inner, shape.nullable)
        return _nullable(self._base(shape, accept_mappings, depth), shape.nullable)

    def param(self, name: str | None) -> str | None:
        """The TypedDict of the object schema `name` (recorded as used), or None."""
        param = self.param_names.get(name or "")
        if param is not None:
            self.used_params.add(str(name))
        return param

    def _mapping(self, name: str) -> str:
        """What a mapping given for the object schema `name` is typed as: its TypedDict."""
        param = self.param(name)
        return f" | {param}" if param else " | Mapping[str, Any]"

    def _base(self, shape: SchemaView, accept_mappings: bool, depth: int) -> str:
        def of(member: Any) -> str:
            return self.of(member, accept_mappings=accept_mappings, depth=depth + 1)

        if shape.has_const:
            return _literal(list(shape.enum or ())) or "Any"
        if shape.enum is not None and (literal := _literal(list(shape.enum))):
            return literal
        if shape.union is not None:
            return _union([of(member) for member in shape.union])
        if shape.all_of:
            return of(shape.all_of[0]) if len(shape.all_of) == 1 else "Mapping[str, Any]"
        if len(shape.kinds) > 1:  # OpenAPI 3.1 type arrays
            return _union([of({**shape.raw, "type": kind}) for kind in shape.kinds])
        if shape.null_only:
            return "None"
        if shape.kind == "string" and shape.format == "binary":
            return "FileTypes" if accept_mappings else "str"  # an upload: bytes, a file...
        if shape.kind == "string" and shape.format in ARGUMENT_FORMATS:
            wire = " | str" if accept_mappings else ""
            return FORMAT_TYPES[shape.format] + wire
        if shape.kind == "array":
            item = of(shape.items)
            return f"Sequence[{item}]" if accept_mappings else f"builtins.list[{item}]"
        if shape.is_object:
            return "Mapping[str, Any]" if accept_mappings else "dict[str, Any]"
        return _PRIMITIVES.get(str(shape.kind), "Any")


def _arguments(
    items: list[Field], annotations: Annotations, taken: set[str], place: str
) -> list[Argument]:
    arguments = []
    for wire_name, schema, required, description, deprecated in items:
        default = _documented_default(schema, place) if required else ()
        arguments.append(
            Argument(
                name=unique(identifier(wire_name), taken),
                wire_name=wire_name,
                annotation=annotations.of(schema),
                required=required and not default,
                description=description,
                schema=schema,
                deprecated=deprecated,
                place=f'{place} "{wire_name}"',
                default=default,
            )
        )
    return arguments


def _documented_default(schema: Any, place: str) -> tuple[Any, ...]:
    """`(default,)` of a query or header parameter's schema, else `()`."""
    parameter = place in ("query parameter", "header parameter") and isinstance(schema, dict)
    if parameter and schema.get("default") is not None:
        return (schema["default"],)
    return ()


def _response_shape(
    view: OperationView, class_names: dict[str, str], annotations: Annotations
) -> tuple[str, str | None, int, str]:
    """(kind, model class, status, annotation) of the success response. Kinds: `model` and
    `list` (of a component's class), `typed` (any other schema: primitives, arrays, unions,
    enums), `json` (no schema: untyped JSON), `text` (`str`), `binary` (`bytes`), `none`
    (no body)."""
    success = view.success
    status = int(success.status) if success and success.status.isdigit() else 200
    if success is None or not success.has_content:
        return "none", None, status, "None"
    media, schema = success.media, success.schema
    if media == "text":
        return "text", None, status, "str"
    if media == "binary":
        return "binary", None, status, "bytes"
    name = ref_name(schema)
    if name is not None and is_object(annotations.schemas.get(name)):
        annotations.used_models.add(class_names[name])
        return "model", class_names[name], status, class_names[name]
    if isinstance(schema, dict) and schema.get("type") == "array":
        item = ref_name(schema.get("items"))
        if item is not None and is_object(annotations.schemas.get(item)):
            annotations.used_models.add(class_names[item])
            return "list", class_names[item], status, f"builtins.list[{class_names[item]}]"
    annotation = annotations.of(schema, accept_mappings=False)
    return ("json" if annotation == "Any" else "typed"), None, status, annotation


# Header parameters OpenAPI says to ignore: the client sets these itself.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def _documented_media(view: OperationView, header: str) -> str:
    """The media type an ignored header parameter (`accept`, `content-type`) documents as its
    default (API versioning: `application/vnd.pagerduty+json;version=2`), else ""."""
    for parameter in view.params("header"):
        schema = parameter.schema
        default = schema.get("default") if isinstance(schema, dict) else None
        if (
            parameter.name.lower() == header
            and isinstance(default, str)
            and _MEDIA_TYPE.fullmatch(default)
        ):
            return default
    return ""


def _fixed_headers(view: OperationView, encoding: str) -> dict[str, str]:
    """Headers sent on every call: a documented `Content-Type` where no form encoding sets it."""
    content_type = _documented_media(view, "content-type")
    return {"Content-Type": content_type} if content_type and encoding == "json" else {}


# A media type as a header may carry it (RFC 6838: `type/subtype`, parameters after `;`).
_MEDIA_TYPE = re.compile(r"[\w!#$&^.+*-]+/[\w!#$&^.+*-]+(\s*;[^\r\n,]*)?", re.ASCII)


def _accept(view: OperationView, documented: str = "") -> str:
    """What a call asks for (`Accept`): the media types its responses document, the success
    response's first, so a server can answer an error in the type it documents for it;
    after an `Accept` parameter's documented value, when there is one (API versioning)."""
    responses = [*([view.success] if view.success else []), *view.responses]
    media = [
        media
        for response in responses
        for media in response.media_types
        if _MEDIA_TYPE.fullmatch(media)  # `openapi/python/client` is none: not sent
    ]
    if documented:
        media.insert(0, documented)
    return ", ".join(dict.fromkeys(media)) or "application/json"


def _errors(view: OperationView, class_names: dict[str, str]) -> list[ErrorResponse]:
    errors = []
    for response in view.errors:
        name = ref_name(response.schema)
        model = class_names[name] if name else None
        errors.append(ErrorResponse(int(response.status), response.description, model))
    return errors


def _body(view: OperationView, schemas: dict[str, Any]) -> tuple[str | None, list[Field]]:
    name = ref_name(view.body.schema) if view.body else None
    if name is None or not is_object(schemas.get(name)):
        return None, []
    schema = schemas.get(name) or {}
    required = set(schema.get("required") or [])
    properties = schema.get("properties") or {}
    fields = [
        (
            str(prop),
            prop_schema,
            prop in required,
            text((prop_schema or {}).get("description")),
            isinstance(prop_schema, dict) and prop_schema.get("deprecated") is True,
        )
        for prop, prop_schema in properties.items()
    ]
    return name, fields


def _raw_body(view: OperationView, body_name: str | None, annotations: Annotations) -> str | None:
    """The `body` argument's type when the body is not an object model, else None."""
    if body_name is not None or view.body is None:
        return None
    if view.body.encoding == "binary":
        return "FileContent"
    return annotations.of(view.body.schema)


def default_base_url(document: Document) -> str:
    """The first server's absolute URL, its variables at their defaults; "" when the document
    names none (the client then needs `base_url`)."""
    return server_url(document.get("servers"))


def server_url(servers: Any) -> str:
    """The first of `servers` with an absolute URL, its variables at their defaults; ""."""
    for server in servers or []:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        for name, variable in (server.get("variables") or {}).items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        if url.startswith(("http://", "https://")) and "{" not in url:
            return url.rstrip("/")
    return ""


def _own_properties(schema: Any) -> tuple[str, ...] | None:
    """The property names a plain object schema's class must have (None: not checked)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    if any(key in schema for key in ("allOf", "anyOf", "oneOf", "$ref")):
        return None
    return tuple(str(name) for name in schema["properties"])


def build(document: Document, *, package: str, client_version: str = "0.0.0") -> ClientModel:
    """The client model of a normalized document."""
    views = operations(document)
    if not views:
        left_out = [r for r in document.get(REPAIRS) or [] if r["rule"] == "unfollowable-ref"]
        if left_out:  # say why, where the cause is
            raise SpecError(
                f"no operation is left: {left_out[0]['message']}", pointer=left_out[0]["pointer"]
            )
        raise SpecError("the document has no operations: nothing to generate", pointer="#/paths")
    schemas = schemas_of(document)
    names_profile = profile(document, package)
    taken_classes = {*MODEL_MODULE_NAMES, names_profile.model_class}
    class_names = {name: unique(class_name(name), taken_classes) for name in schemas}
    names = _resource_names(views)
    modules = assign_modules(views, schemas, {key: attr for key, (attr, _) in names.items()})
    module_of_class = {class_names[name]: modules[name] for name in schemas}
    param_names = {
        name: unique(f"{class_names[name]}Param", taken_classes)
        for name in schemas
        if is_object(schemas[name])
    }
    annotations = Annotations(schemas, class_names, param_names)
    schemes = schemes_of(document)
    by_resource: dict[str, list[Operation]] = {key: [] for key in names}
    imports: dict[str, dict[str, set[str]]] = {key: {} for key in names}
    params_used: dict[str, set[str]] = {key: set() for key in names}
    methods = {key: set(RESERVED_METHODS) for key in names}  # unique after truncation
    for view in views:
        key = view.resource
        annotations.used_models, annotations.used_params = set(), set()
        where = (names[key][0], methods[key])
        op = _operation(view, where, annotations, schemes)
        by_resource[key].append(op)
        used = annotations.used_models | {
            name for name in (op.body_model, op.response_model) if name
        }
        for name in used:
            imports[key].setdefault(module_of_class[name], set()).add(name)
        params_used[key] |= annotations.used_params
    params = _params(annotations, set().union(*params_used.values()))
    param_imports: dict[str, set[str]] = {}
    for _param, models in params.values():
        for name in models:
            param_imports.setdefault(module_of_class[name], set()).add(name)
    resources = {
        key: Resource(
            attribute,
            resource_class,
            by_resource[key],
            {m: sorted(n) for m, n in sorted(imports[key].items())},
            field_checks(by_resource[key]),
            sorted(param_names[name] for name in params_used[key]),
        )
        for key, (attribute, resource_class) in names.items()
    }
    info = document.get("info") or {}
    final_pos = names_profile.final_pos
    return ClientModel(
        package=package,
        title=text(info.get("title")),
        api_version=str(info.get("version", "")),
        client_version=client_version,
        base_url=default_base_url(document),
        env_prefix=package.upper(),
        profile=names_profile,
        schemes=list(schemes.values()),
        default_security=most_common(op.security for ops in by_resource.values() for op in ops),
        resources=list(resources.values()),
        schemas=[
            Schema(
                name,
                class_names[name],
                modules[name],
                "x-finalpos-custom-table" in schemas[name],
                _own_properties(schemas[name]),
            )
            for name in schemas
        ],
        custom_table_endpoints=custom_table_endpoints(resources, final_pos),
        runtime_shaped_modules=runtime_shaped_modules(resources, final_pos),
        model_document=model_document(document, modules, class_names, package),
        params=[params[name][0] for name in schemas if name in params],
        param_imports={m: sorted(n) for m, n in sorted(param_imports.items())},
        document=document,
    )


def _params(annotations: Annotations, roots: set[str]) -> dict[str, tuple[Param, set[str]]]:
    """The TypedDict of each object schema in `roots`, and of those their fields' mappings
    name in turn, with the model classes each names; by schema name."""
    schemas, done = annotations.schemas, {}
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        if name in done:
            continue
        annotations.used_models, annotations.used_params = set(), set()
        shape = flat_view(schemas[name], schemas)
        fields = [
            ParamField(str(wire), annotations.of(prop), str(wire) in shape.required)
            for wire, prop in shape.properties.items()
        ]
        done[name] = (Param(annotations.param_names[name], fields), annotations.used_models)
        todo += sorted(annotations.used_params - done.keys())
    return done


# A resource's classes are `Sync<Name>` and `Async<Name>`: these names would make one the
# package's own (`AsyncClient`, `AsyncAPIClient`, `SyncPage`, `AsyncPaginator`).
PACKAGE_CLASS_STEMS = frozenset({"Client", "APIClient", "Page", "Paginator"})


def _resource_names(views: list[OperationView]) -> dict[str, tuple[str, str]]:
    """(attribute, class name) per `x-finalpos-resource`, in document order; attributes are
    unique module names."""
    names: dict[str, tuple[str, str]] = {}
    taken_modules = {SHARED_MODULE, "__init__", *CLIENT_ATTRIBUTES}
    for view in views:
        key = view.resource
        if key not in names:
            attribute = unique(identifier(key, fallback="tag"), taken_modules)
            name = class_name(key, fallback="Tag")
            names[key] = (attribute, f"{name}Resource" if name in PACKAGE_CLASS_STEMS else name)
    return names


def _operation(
    view: OperationView,
    resource: tuple[str, set[str]],
    annotations: Annotations,
    schemes: dict[str, Scheme],
) -> Operation:
    """The client method of one operation in `resource` (its attribute, and the method
    names it has taken), with its contract test case."""
    schemas, class_names = annotations.schemas, annotations.class_names
    taken = set(METHOD_BODY_NAMES)
    body_name, body_props = _body(view, schemas)
    encoding = view.body.encoding if view.body else "json"
    headers = [field for field in view.fields("header") if field[0].lower() not in IGNORED_HEADERS]
    attribute, taken_methods = resource
    kind, response_model, status, response_annotation = _response_shape(
        view, class_names, annotations
    )
    op = Operation(
        operation_id=view.operation_id or f"{view.method} {view.path}",
        resource=attribute,
        method_name=unique(identifier(view.client_method), taken_methods),
        http_method=view.method,
        path=view.path,
        summary=view.summary,
        description=view.description,
        path_params=_arguments(view.fields("path"), annotations, taken, "path parameter"),
        query_params=_arguments(view.fields("query"), annotations, taken, "query parameter"),
        header_params=_arguments(headers, annotations, taken, "header parameter"),
        fixed_headers=_fixed_headers(view, encoding),
        body_model=class_names[body_name] if body_name else None,
        body_param=annotations.param(body_name),
        body_fields=_arguments(body_props, annotations, taken, "request body property"),
        body_encoding=encoding,
        part_types=dict(view.body.part_types) if view.body else {},
        body_annotation=_raw_body(view, body_name, annotations),
        body_required=bool(view.body and view.body.required),
        response_kind=kind,
        response_model=response_model,
        response_annotation=response_annotation,
        success_status=status,
        accept=_accept(view, _documented_media(view, "accept")),
        paginated=view.paginated,
        errors=_errors(view, class_names),
        security=requirement(view.security, schemes),
        deprecated=view.deprecated,
        server=server_url(view.servers),
    )
    return dataclasses.replace(op, contract=contract_case(op, view, schemas))
