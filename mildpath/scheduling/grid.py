"""The calendar's grid: a column per practitioner, a row per quarter hour (a day) or
per day (a week), appointments placed as blocks. Pure: no Django; the view reads the
rows and hands them in.

A day's table is rendered as HTML rows, so each block is a cell spanning the rows its
visit takes (``rowspan``) and the cells it covers are left out. Visits that share a
quarter hour in one column (a 20-minute visit, then the next at :20) share a cell.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=15)
DEFAULT_DAY = (time(8), time(17))


class Visit(Protocol):
    start: datetime
    end: datetime
    practitioner_id: int


@dataclass
class Cell:
    """One cell of a day's grid: visits (a block), or an empty quarter hour that is
    working time or not (``off``)."""

    rows: int = 1
    visits: list[Any] = field(default_factory=list)
    off: bool = False


@dataclass
class Row:
    at: datetime  # aware, the quarter hour's start
    cells: list[Cell]  # only the cells that start on this row, column order
    hour: bool = False  # on the hour: a heavier line


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def _quarters(start: datetime, end: datetime) -> int:
    return max(1, -(-int((end - start).total_seconds()) // int(STEP.total_seconds())))


def day_grid(
    *,
    day: date,
    tz: ZoneInfo,
    columns: Sequence[Hashable],
    hours: Mapping[Hashable, Sequence[tuple[time, time]]],
    visits: Sequence[Visit],
    column_of: Any = None,
) -> list[Row]:
    """The rows of one day at one location. ``hours`` gives each column's working
    spans that day (wall clock); ``visits`` (not cancelled) are placed in the column
    ``column_of(visit)`` names (default: their practitioner id). The grid runs from the
    earliest hour or visit to the latest, 08:00-17:00 when there are neither."""
    key = column_of or (lambda visit: visit.practitioner_id)
    local = [(v, v.start.astimezone(tz), v.end.astimezone(tz)) for v in visits]
    opens = [start for spans in hours.values() for start, _ in spans]
    closes = [end for spans in hours.values() for _, end in spans]
    first = min([*opens, *(s.time() for _, s, _ in local)], default=DEFAULT_DAY[0])
    last = max([*closes, *(e.time() for _, s, e in local if e.date() == day)], default=None)
    if last is None or last <= first:
        last = DEFAULT_DAY[1] if first < DEFAULT_DAY[1] else time(23, 45)
    top = _floor(datetime.combine(day, first, tzinfo=tz))
    bottom = datetime.combine(day, last, tzinfo=tz)
    if any(e.date() > day for _, _, e in local):
        bottom = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    count = _quarters(top, bottom)

    # Blocks per column: (first row, rows, visits).
    blocks: dict[Hashable, dict[int, Cell]] = {column: {} for column in columns}
    for column in columns:
        mine = sorted((item for item in local if key(item[0]) == column), key=lambda i: i[1])
        current: tuple[int, Cell] | None = None
        for visit, start, end in mine:
            row = max(0, int((_floor(start) - top) / STEP))
            span = min(count - row, _quarters(_floor(start), end)) or 1
            if current is not None and row < current[0] + current[1].rows:
                first_row, cell = current
                cell.rows = max(cell.rows, row + span - first_row)
                cell.visits.append(visit)
                continue
            current = (row, Cell(rows=span, visits=[visit]))
            blocks[column][row] = current[1]

    rows: list[Row] = []
    covered: dict[Hashable, int] = dict.fromkeys(columns, 0)  # first row not covered
    for index in range(count):
        at = top + index * STEP
        wall = at.time()
        cells: list[Cell] = []
        for column in columns:
            block = blocks[column].get(index)
            if block is not None:
                cells.append(block)
                covered[column] = index + block.rows
            elif index >= covered[column]:
                working = any(s <= wall < e for s, e in hours.get(column, ()))
                cells.append(Cell(off=not working))
        rows.append(Row(at=at, cells=cells, hour=wall.minute == 0))
    return rows


@dataclass
class WeekCell:
    visits: list[Any] = field(default_factory=list)
    working: bool = False


def week_grid(
    *,
    days: Sequence[date],
    tz: ZoneInfo,
    columns: Sequence[Hashable],
    hours: Mapping[tuple[Hashable, date], Sequence[tuple[time, time]]],
    visits: Sequence[Visit],
) -> list[tuple[date, list[WeekCell]]]:
    """A row per day, a cell per practitioner holding that day's visits in time order
    (cancelled ones included: the page mutes them)."""
    table = {(day, column): WeekCell() for day in days for column in columns}
    for (column, day), spans in hours.items():
        if (day, column) in table:
            table[day, column].working = bool(spans)
    for visit in sorted(visits, key=lambda v: v.start):
        cell = table.get((visit.start.astimezone(tz).date(), visit.practitioner_id))
        if cell is not None:
            cell.visits.append(visit)
    return [(day, [table[day, column] for column in columns]) for day in days]
