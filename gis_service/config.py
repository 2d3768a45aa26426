"""Loading YAML files against pydantic schemas, with errors that name the file, item and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError

M = TypeVar("M", bound=BaseModel)
#: a plan or catalog is a few kilobytes: these bounds stop a YAML bomb before it is built
MAX_YAML_BYTES = 1024 * 1024
MAX_YAML_NODES = 100_000


class Strict(BaseModel):
    """Base of every schema: a misspelt or unknown field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def load_yaml(path: Path, model: type[M]) -> M:
    return parse_yaml(read_text(path), model, str(path))


def read_text(path: Path) -> str:
    """A small text file of ours (catalog, plan, mapping), refused when missing, too large or not
    UTF-8."""
    file = str(path)
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise InputError(f"tệp quá lớn / the file is larger than {MAX_YAML_BYTES:,} bytes", file=file)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("không tìm thấy tệp / file not found", file=file) from None
    except UnicodeDecodeError:
        raise InputError("không phải UTF-8 / the file is not UTF-8 text", file=file) from None


def parse_yaml(text: str, model: type[M], file: str) -> M:
    """YAML text (a file's, or one kept in the store) against a schema."""
    try:
        data = safe_load_bounded(text, file)
    except yaml.YAMLError as exc:
        raise InputError(f"YAML không hợp lệ / not valid YAML: {exc}", file=file) from None
    return parse(data, model, file)


def safe_load_bounded(text: str, file: str):
    """yaml.safe_load, refusing a document whose aliases would expand it beyond MAX_YAML_NODES
    nodes (a 'billion laughs'), an alias that contains itself, and nesting too deep to walk.
    Tags beyond YAML's own (!!python/…) are refused by the safe loader itself."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {}, set())
        if size > MAX_YAML_NODES:
            raise InputError(f"tài liệu bung ra quá lớn / the document expands to {size:,} values through its aliases (&/*), more "
                             f"than {MAX_YAML_NODES:,} (a YAML bomb?)", file=file)
        return loader.construct_document(node)
    except RecursionError:
        raise InputError("tài liệu lồng quá sâu / the document is nested too deeply", file=file) from None
    except InputError as err:
        err.file = file
        raise
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many nodes the document holds once every alias is replaced by what it names; each
    node is counted once (``sizes``), so a bomb is measured without being built."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise InputError("bí danh tự tham chiếu / an alias (*) refers to a node that contains it (a recursive document)")
    open_nodes.add(key)
    children = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    total = 1
    for child in children:
        total += _expanded_size(child, sizes, open_nodes)
        if total > MAX_YAML_NODES:
            break
    open_nodes.discard(key)
    sizes[key] = total
    return total


def parse(data, model: type[M], file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, file) from None


def validation_error(exc: ValidationError, data, file: str) -> InputError:
    """The first error of a pydantic ValidationError as an InputError naming item and field."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    item = _item_label(data, loc)
    field = str(loc[-1]) if loc else None
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    return InputError(message, file=file, feature=item, field=field)


def _item_label(data, loc: list) -> str | None:
    """Walk the location to the innermost item that has an id, and name it."""
    label, node = None, data
    for i, key in enumerate(loc[:-1]):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node:
            label = f"'{node['id']}'"
        elif isinstance(key, str) and i == 1 and isinstance(data, dict):
            label = f"'{key}'"
    return label
