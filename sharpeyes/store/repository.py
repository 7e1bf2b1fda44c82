"""Placeholder: the store helper implements the contract in :mod:`sharpeyes.store`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ImportResult:
    import_id: int | None
    accepted: int
    warned: int
    refused: int
    inserted: int
    updated: int
    unchanged: int


class Store:
    @classmethod
    def open(cls, url: str) -> Store:
        raise NotImplementedError
