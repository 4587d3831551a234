"""Typed access to a composed YAML document, every error naming its line.

PyYAML composes the SDL into nodes that keep their marks (line, column) and the scalars' text as
written; the SDL reader never sees a constructed Python object, so ``units: 0.5`` stays ``"0.5"``
(what the Go SDL reads as well) and every refusal can say where. Merge keys (``<<``) and aliases are
resolved as YAML defines them; a key given twice is refused, as yaml.v3 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from akinv.errors import OrderError

__all__ = ["Mapping", "compose", "fail", "line_of"]

NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
MERGE = "tag:yaml.org,2002:merge"
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def fail(node: Node, path: str, message: str) -> NoReturn:
    line = line_of(node)
    raise OrderError(f"line {line}: {path}: {message}", path=path, line=line)


def compose(text: str | bytes) -> Node | None:
    """The document's root node (None for an empty document); YAML errors name their line."""
    try:
        node: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        where = f"line {line}: " if line is not None else ""
        raise OrderError(f"{where}not YAML: {error.problem or error}", line=line) from None
    except yaml.YAMLError as error:
        raise OrderError(f"not YAML: {error}") from None
    return node


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def scalar(node: Node, path: str) -> str:
    """A scalar's text as written (``""`` for null), as the Go SDL's custom decoders read it."""
    if not isinstance(node, ScalarNode):
        fail(node, path, f"expected a single value, found a {_kind(node)}")
    return "" if node.tag == NULL else str(node.value)


def string(node: Node, path: str) -> str:
    """A value decoded into a Go string field: any scalar's text."""
    return scalar(node, path)


def uint(node: Node, path: str, *, bits: int = 32) -> int:
    """A plain decimal integer decoded into a Go unsigned field of ``bits`` bits."""
    text = _decimal(node, path)
    value = int(text)
    if value > 2**bits - 1:
        fail(node, path, f"{value} is above {2**bits - 1}, the largest a uint{bits} holds")
    return value


def exact_uint(node: Node, path: str) -> int:
    """A plain decimal integer of any size, read exactly (limits become findings, not errors)."""
    text = _decimal(node, path)
    return int(text)


def _decimal(node: Node, path: str) -> str:
    text = scalar(node, path)
    if not (node.tag == INT and text.isascii() and text.isdigit()):
        fail(node, path, f"expected an unsigned decimal integer, found {text!r}")
    if len(text) > 1 and text.startswith("0"):
        # YAML 1.1 reads 012 as octal, Go's yaml.v3 as 12 or octal depending on the field: refuse it.
        fail(node, path, f"{text!r}: write the number without leading zeros")
    return text


def boolean(node: Node, path: str) -> bool:
    text = scalar(node, path)
    if node.tag != BOOL:
        fail(node, path, f"expected true or false, found {text!r}")
    return text in _TRUE


def sequence(node: Node, path: str) -> list[Node]:
    """A sequence's items; null is an empty sequence, as Go decodes it."""
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        fail(node, path, f"expected a list, found a {_kind(node)}")
    return list(node.value)


def strings(node: Node, path: str) -> list[str]:
    return [string(item, f"{path}[{i}]") for i, item in enumerate(sequence(node, path))]


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "mapping"
    if isinstance(node, SequenceNode):
        return "list"
    return "value"


class Mapping:
    """A YAML mapping with string keys, in document order, merge keys applied."""

    __slots__ = ("_items", "node", "path")

    def __init__(self, node: Node, path: str) -> None:
        if is_null(node):
            node = MappingNode("tag:yaml.org,2002:map", [], node.start_mark, node.end_mark)
        if not isinstance(node, MappingNode):
            fail(node, path, f"expected a mapping, found a {_kind(node)}")
        self.node = node
        self.path = path
        self._items: dict[str, tuple[Node, Node]] = {}
        merges: list[Node] = []
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.tag == MERGE:
                merges.append(value)
                continue
            name = scalar(key, path)
            if name in self._items:
                first = line_of(self._items[name][0])
                fail(key, self.child(name), f"key {name!r} already defined at line {first}")
            self._items[name] = (key, value)
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                for name, item in Mapping(source, path)._items.items():
                    self._items.setdefault(name, item)

    def child(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Node | None:
        item = self._items.get(key)
        return None if item is None else item[1]

    def key_node(self, key: str) -> Node:
        return self._items[key][0]

    def require(self, key: str) -> Node:
        item = self._items.get(key)
        if item is None:
            fail(self.node, self.path or "the document", f"{key!r} is missing")
        return item[1]

    def items(self) -> Iterator[tuple[str, Node]]:
        for name, (_, value) in self._items.items():
            yield name, value

    def mapping(self, key: str) -> Mapping | None:
        value = self.get(key)
        return None if value is None else Mapping(value, self.child(key))

    def only(self, known: frozenset[str] | set[str], what: str) -> None:
        """Refuse keys outside ``known``: akinv does not know what they would change."""
        for name, (key, _) in self._items.items():
            if name not in known:
                expected = ", ".join(sorted(known))
                fail(key, self.child(name), f"{what} does not support {name!r} (supported: {expected})")
