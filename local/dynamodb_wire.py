"""DynamoDB's attribute values written straight to the wire, where moto's generic serializer walks each one.

moto answers every DynamoDB call through its response serializer, which writes a result by walking botocore's
output shape and, for every member, asking an attribute picker to try six aliases of its name on the value.
An item's attributes are `AttributeValue` structures of ten members, so a Query of a page of items costs
hundreds of thousands of alias look-ups: about half of a Backup API call's CPU on the local runtime (profiled:
docs/performance.md). Yet moto hands the serializer attribute values already in their wire form, plain
`{"S": "text"}` dicts (moto.dynamodb.models.utilities.dynamo_to_dict), so the walk changes nothing but bytes.

The same walk happens again on the way back, in botocore's parser of the caller's client (Strongroom's store,
in the same process): there too a plain `AttributeValue` is read directly (`read_value`), as botocore's
JSON parser reads it (blobs decoded, everything else as it came).

Here an `AttributeValue` in that plain form is written directly, with the same conversions moto's JSON
serializer would make (strings as they are, blobs base64, booleans as they are, maps and lists recursively).
Anything else (an object, a dict with more than one key or an unknown one, a value of an unexpected type)
goes to moto's own walk, unchanged: the fast path only ever answers what the walk would have answered, and
tests/integration/test_dynamodb_wire.py compares the two on every DynamoDB operation Strongroom uses, errors
included."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet

_SLOW = object()  # "not in the plain form: let moto's walk write it"
_TEXT = frozenset({"S", "N"})
_TEXT_SETS = frozenset({"SS", "NS"})
_FLAGS = frozenset({"BOOL", "NULL"})


def _blob(value: bytes) -> str:
    return base64.b64encode(value).strip().decode("utf-8")  # as moto's ResponseSerializer._base64


def wire_value(value: Any) -> Any:
    """The attribute value as moto's JSON serializer writes it, or _SLOW when it is not in the plain form."""
    if type(value) is not dict or len(value) != 1:
        return _SLOW
    ((kind, inner),) = value.items()
    if kind in _TEXT:
        return {kind: inner} if type(inner) is str else _SLOW
    if kind in _FLAGS:
        return {kind: inner} if type(inner) is bool else _SLOW
    if kind == "B":
        return {"B": _blob(inner)} if type(inner) is bytes else _SLOW
    if kind in _TEXT_SETS:
        return {kind: list(inner)} if type(inner) is list and all(type(v) is str for v in inner) else _SLOW
    if kind == "BS":
        if type(inner) is not list or not all(type(v) is bytes for v in inner):
            return _SLOW
        return {"BS": [_blob(v) for v in inner]}
    if kind == "M":
        if type(inner) is not dict:
            return _SLOW
        written_map = {}
        for name, member in inner.items():
            written = wire_value(member)
            if written is _SLOW or type(name) is not str:
                return _SLOW
            written_map[name] = written
        return {"M": written_map}
    if kind == "L":
        if type(inner) is not list:
            return _SLOW
        written_list = []
        for member in inner:
            written = wire_value(member)
            if written is _SLOW:
                return _SLOW
            written_list.append(written)
        return {"L": written_list}
    return _SLOW


_KINDS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


def read_value(parser: Any, shape: Any, value: Any) -> Any:
    """The attribute value as botocore's JSON parser reads it, or _SLOW when it is not in the plain form.
    Nested values go back through the parser's (patched) structure handler, so each falls back on its own."""
    if type(value) is not dict or len(value) != 1:
        return _SLOW
    ((kind, inner),) = value.items()
    if inner is None or kind not in _KINDS:
        return _SLOW
    if kind in _TEXT or kind in _FLAGS:
        return {kind: inner}  # botocore's default handler: the JSON value as it is
    if kind == "B":
        return {"B": parser._blob_parser(inner)}
    members = shape.members
    if type(inner) is not list and kind != "M":
        return _SLOW
    if kind in _TEXT_SETS:
        return {kind: list(inner)}  # a list of strings: each as it is, None kept (botocore reads lists sparse)
    if kind == "BS":
        return {"BS": [None if v is None else parser._blob_parser(v) for v in inner]}
    if kind == "L":
        member = members["L"].member
        return {"L": [None if v is None else parser._handle_structure(member, v) for v in inner]}
    if type(inner) is not dict:  # M
        return _SLOW
    value_shape = members["M"].value
    return {"M": {k: None if v is None else parser._handle_structure(value_shape, v) for k, v in inner.items()}}


def _is_attribute_value(shape: Any) -> bool:
    return bool(shape.name == "AttributeValue" and shape.type_name == "structure" and shape.members.keys() == _KINDS)


def _serialize_structure(original: Callable[..., None]) -> Callable[..., None]:
    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and self.service_model.service_name == "dynamodb":
            written = wire_value(value)
            if written is not _SLOW:
                serialized[self.get_serialized_name(shape, key)] = written
                return
        original(self, serialized, value, shape, key)

    return serialize_structure


def _parse_structure(original: Callable[..., Any]) -> Callable[..., Any]:
    def parse_structure(self: Any, shape: Any, value: Any) -> Any:
        if _is_attribute_value(shape):
            read = read_value(self, shape, value)
            if read is not _SLOW:
                return read
        return original(self, shape, value)

    return parse_structure


_SAME = (
    "a cost, not an answer: the bytes moto's walk writes and botocore's reads (tests/integration/test_dynamodb_wire.py)"
)
PATCHES = PatchSet(
    "DynamoDB attribute values on the wire",
    [
        Patch.wrap(
            "moto.core.serialize:BaseJSONSerializer", "_serialize_type_structure", _serialize_structure, why=_SAME
        ),
        Patch.wrap("botocore.parsers:BaseJSONParser", "_handle_structure", _parse_structure, why=_SAME),
    ],
)
