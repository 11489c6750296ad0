"""Errors raised by source modules: each names the dataset, file, line or code at fault."""

from __future__ import annotations


class SourceError(Exception):
    """Base class for every problem with an official input."""


class FetchError(SourceError):
    """A file could not be retrieved (missing mirror file, HTTP error, truncated download)."""

    def __init__(self, dataset_id: str, where: str, reason: str, *, permanent: bool = False):
        self.dataset_id = dataset_id
        self.permanent = permanent  # an answer (404, size limit), not a network failure
        self.where = where
        self.reason = reason
        super().__init__(f"[{dataset_id}] {where}: {reason}")


class SourceFormatError(SourceError):
    """A file was retrieved but does not have the expected content."""

    def __init__(
        self,
        path,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: object | None = None,
        dataset_id: str | None = None,
    ):
        self.path = str(path)
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
        self.dataset_id = dataset_id
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        if value is not None:
            where += f", value {value!r}"
        prefix = f"[{dataset_id}] " if dataset_id else ""
        super().__init__(f"{prefix}{where}: {reason}")
