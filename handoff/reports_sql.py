"""The few SQL expressions SQLite and PostgreSQL spell differently, written once for the reports.

Times are stored in UTC (SQLite keeps them as ISO text without the offset, PostgreSQL as
timestamptz); every bucket here is a UTC day or hour.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):
    """Seconds from the first time to the second (NULL when either is NULL)."""

    type = Float()
    inherit_cache = True


class utc_day(FunctionElement[str]):
    """'YYYY-MM-DD' of a time, in UTC."""

    type = String()
    inherit_cache = True


class hour_of_week(FunctionElement[int]):
    """0 for Monday 00:00-00:59 UTC up to 167 for Sunday 23:00-23:59 UTC."""

    type = Integer()
    inherit_cache = True


class later_of(FunctionElement[Any]):
    """The later of two times (neither NULL)."""

    inherit_cache = True


class earlier_of(FunctionElement[Any]):
    """The earlier of two times (neither NULL)."""

    inherit_cache = True


_UTC = "(({0}) AT TIME ZONE 'UTC')"
# Each expression in each dialect, its arguments as {0}, {1}.
_SPELLINGS: dict[type[FunctionElement[Any]], dict[str, str]] = {
    seconds_between: {"sqlite": "((julianday({1}) - julianday({0})) * 86400.0)",
                      "postgresql": "EXTRACT(EPOCH FROM ({1} - {0}))"},
    utc_day: {"sqlite": "date({0})", "postgresql": f"to_char({_UTC}, 'YYYY-MM-DD')"},
    hour_of_week: {
        "sqlite": "(((CAST(strftime('%w', {0}) AS INTEGER) + 6) % 7) * 24 + CAST(strftime('%H', {0}) AS INTEGER))",
        "postgresql": f"((CAST(EXTRACT(ISODOW FROM {_UTC}) AS INTEGER) - 1) * 24"
                      f" + CAST(EXTRACT(HOUR FROM {_UTC}) AS INTEGER))",
    },
    later_of: {"sqlite": "max({0}, {1})", "postgresql": "GREATEST({0}, {1})"},
    earlier_of: {"sqlite": "min({0}, {1})", "postgresql": "LEAST({0}, {1})"},
}


def _renderer(template: str) -> Any:
    def render(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return template.format(*(compiler.process(argument, **kw) for argument in element.clauses))

    return render


for _element, _dialects in _SPELLINGS.items():
    for _dialect, _template in _dialects.items():
        compiles(_element, _dialect)(_renderer(_template))


def json_items(dialect: str, column: ColumnElement[Any]) -> Any:
    """The strings of a JSON array column as a table with one column, `value` (for a join)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """part / whole to 4 places; None when there is nothing to divide by."""
    if not whole:
        return None
    return round(float(part or 0) / float(whole), 4)


def rounded(value: float | int | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)
