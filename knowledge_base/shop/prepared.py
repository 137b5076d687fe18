"""SELECTs compiled once per database dialect and run on the driver's own cursor.

SQLAlchemy's Core execution of a prebuilt statement costs ~30 us of Python per statement here
beyond the driver's work (the statement's cache key walked again, the execution context, the
result object): ~75% of an order's read of four small statements (151 us; the same SELECT on
sqlite3's cursor ~9 us). A PreparedRead keeps what SQLAlchemy computes the same way each time: the
SQL text for the dialect, its parameters' order, the statement's own literals, and the result
processors of the selected columns' types (SQLite's text of a datetime made a UTCDateTime, a JSON
column decoded), applied to each value as SQLAlchemy applies them. Its rows have the values, by
attribute and by position, of the Core rows of the same statement.

Only parameters whose types need no bind processing are taken (strings and integers, as the shop's
keys are): a statement with another kind fails when it is first run, not with a wrong value.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Select


@dataclass(frozen=True)
class _Compiled:
    sql: str
    literals: dict[str, Any]
    order: list[str] | None  # positional paramstyles (SQLite's qmark): the parameters' names in order
    processors: Sequence[Callable[[Any], Any] | None]
    row: Any


class PreparedRead:
    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._compiled: dict[Dialect, _Compiled] = {}
        self._row = namedtuple("PreparedRow", [column.key for column in statement.selected_columns])  # type: ignore[misc]

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        compiled = self._compiled.get(connection.dialect) or self._compile(connection.dialect)
        values = {**compiled.literals, **params}
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, [values[name] for name in compiled.order] if compiled.order is not None else values)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        make, processors = compiled.row._make, compiled.processors
        if not any(processors):
            return [make(row) for row in fetched]
        return [make([value if process is None else process(value) for process, value in zip(processors, row)])
                for row in fetched]

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect)
        for bind, name in compiled.bind_names.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {name!r} needs bind processing: run this statement through SQLAlchemy")
        literals = {name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required}
        order = list(compiled.positiontup or []) if compiled.positional else None
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in self._statement.selected_columns]
        self._compiled[dialect] = _Compiled(compiled.string, literals, order, processors, self._row)
        return self._compiled[dialect]
