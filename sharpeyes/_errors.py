"""Typed exceptions of sharpeyes.

Every error a user can meet says what is wrong, where (file, row, field) and what to do::

    SharpeyesError
     ├── InputError            a file or a value the user gave cannot be read
     │    └── RefusedInput     hostile or malformed input refused outright (XML bombs, entities)
     ├── ConfigError           a setting or an option is wrong
     ├── StoreError            the store cannot be opened, migrated or written
     ├── AnalysisError         an analysis cannot run on the data it was given
     └── StreamError           a camera stream cannot be probed (health)
"""

from __future__ import annotations


class SharpeyesError(Exception):
    """Base of every error sharpeyes raises on purpose."""


class InputError(SharpeyesError, ValueError):
    """A file or value cannot be used; names the file, row and field where known."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.field = field
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        value = f" (value {self.value!r})" if self.value is not None else ""
        return f"{prefix}: {self.reason}{value}" if prefix else f"{self.reason}{value}"


class RefusedInput(InputError):  # noqa: N818 - public name (sharpeyes.RefusedInput), kept for callers
    """Input refused outright because it is hostile or cannot be parsed safely."""


class ConfigError(SharpeyesError):
    """A setting, option or mapping file is wrong."""


class StoreError(SharpeyesError):
    """The store cannot be opened, migrated or written."""


class AnalysisError(SharpeyesError):
    """An analysis cannot run on the data it was given."""


class StreamError(SharpeyesError):
    """A camera stream cannot be opened or decoded."""
