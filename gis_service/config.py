"""Loading YAML files against pydantic schemas, with errors that name the file, item and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base of every schema: a misspelt or unknown field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def load_yaml(path: Path, model: type[M]) -> M:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    return parse_yaml(text, model, str(path))


def parse_yaml(text: str, model: type[M], file: str) -> M:
    """YAML text (a file's, or one kept in the store) against a schema."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=file) from None
    return parse(data, model, file)


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
