"""Errors raised by the core. One type for bad input; the CLI maps it to exit 2, the web to 400."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, the feature and the field where they are known."""

    def __init__(self, message: str, *, file: str | None = None, feature: str | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.feature = feature
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.field:
            where.append(f"field '{self.field}'")
        return (", ".join(where) + ": " if where else "") + self.message


class StoreUnavailable(InputError):
    """The store cannot be reached (a PostGIS server down): a setting to fix for the CLI (exit 2),
    a 503 for the web, whose answer does not name the server."""


class NotFound(Exception):
    """A layer, collection or object that does not exist (HTTP 404)."""


class Unauthorized(Exception):
    """A write without a valid token (HTTP 401)."""


class CheckError(InputError):
    """A check that cannot run on this data (a raster not covering a zone): the validation
    records it as that rule's error, never a pass, and runs the other rules."""
