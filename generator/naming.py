"""Turning spec text into Python names: every identifier in the output goes through here.

Spec text is untrusted, so the result is always a plain ASCII identifier that is not
a keyword, soft keyword or builtin, whatever the input held.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
# Names the generated code uses in annotations: a method or argument named like one
# would shadow it inside the class body.
_ANNOTATION_NAMES = frozenset(
    {
        "bool",
        "builtins",
        "bytes",
        "datetime",
        "dict",
        "float",
        "int",
        "object",
        "str",
        "type",
        "typing_extensions",
    }
)
# What a generated API method's body reads besides its spec arguments: its own keyword
# arguments and the resource module's helpers. An argument named like one would shadow it
# (`extras` twice is a SyntaxError, `build_body` a str called). The test of the generated
# resource modules proves this list covers every name their method bodies read.
METHOD_BODY_NAMES = frozenset(
    {
        "self",
        "body",
        "extras",
        "extra_headers",
        "extra_query",
        "extra_body",
        "timeout",
        "max_retries",
        "build_body",
        "build_form",
        "jsonable",
        "expand_path",
        "page_window",
        "require_arguments",
        "warn_deprecated",
        "without_not_given",
        "_method",  # a raw-response method's: `to_raw_response_wrapper(cast(Any, ...))`
        "cast",
        "Any",
        "to_raw_response_wrapper",
        "async_to_raw_response_wrapper",
    }
)
_CLASS_RESERVED = _KEYWORDS | frozenset(dir(builtins))
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


# Words written with inner capitals that are still one word in snake_case (`oauth`).
_ONE_WORD = {"OAuth": "Oauth"}


def words(text: str) -> list[str]:
    """Split camelCase, PascalCase, kebab, snake and spaced text into ASCII words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    spaced = _WORD_BOUNDARY.sub(" ", ascii_text)
    return [word for word in _NOT_WORD.split(spaced) if word]


MAX_NAME_LENGTH = 64


def snake(text: str) -> str:
    """`findAll` → `find_all`, `Custom Tables` → `custom_tables` (may be empty)."""
    for written, word in _ONE_WORD.items():
        text = text.replace(written, word)
    return "_".join(word.lower() for word in words(text))[:MAX_NAME_LENGTH].rstrip("_")


def pascal(text: str) -> str:
    """`custom tables` → `CustomTables`, keeping inner capitals (`lineItems` → `LineItems`)."""
    return "".join(word[0].upper() + word[1:] for word in words(text))[:MAX_NAME_LENGTH]


def pluralize(word: str) -> str:
    """English plural good enough for resource names; plurals stay as they are."""
    if not word or word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def singularize(word: str) -> str:
    """Inverse of `pluralize` for the simple cases resource names use."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ss") or not word.endswith("s"):
        return word
    return word[:-1]


def identifier(text: str, *, fallback: str = "value") -> str:
    """A safe snake_case Python identifier for `text` (attribute, argument, method)."""
    name = snake(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if name in _KEYWORDS or name in _ANNOTATION_NAMES or name in ("self", "cls"):
        name += "_"
    return name


def ascii_identifier(text: str) -> str:
    """`identifier`, and for text with no ASCII letters at all (`名前`) one made of its code
    points (`field_540d_524d`), so different names stay different."""
    if snake(text):
        return identifier(text)
    return identifier("field " + " ".join(f"{ord(char):x}" for char in text))


def class_name(text: str, *, fallback: str = "Model") -> str:
    """A safe PascalCase class name for `text`."""
    name = pascal(text) or fallback
    if name[0].isdigit():
        name = f"{fallback}{name}"
    if name in _CLASS_RESERVED:
        name += "Model"  # not `_`: datamodel-code-generator strips trailing underscores
    return name


def unique(name: str, taken: set[str]) -> str:
    """`name`, or the first free `name_2`, `name_3`... (`Name2` for class names);
    the result is added to `taken`."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}{number}" if name[:1].isupper() else f"{name}_{number}"
    taken.add(candidate)
    return candidate
