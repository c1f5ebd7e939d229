"""Formatting for the analytics pages: numbers, dates, labels cut to width, axis scales and ticks."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

DASH = "—"
MAX_LABEL = 28  # width of a label drawn in a chart, in half-width characters (the tables show all of it)
ACCEPT_ROUTE = "POST /v1/analytics/reweighting/{proposal_id}/accept"

OUTCOME_LABELS = {
    "hire": "录用 Hire",
    "probation": "试用期 Probation",
    "performance": "绩效 Performance",
}


# --- formatting ---------------------------------------------------------------------------------------


def num(value: float | None, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; None (and NaN) as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:+.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{100 * value:.{digits}f} %"


def ci(bounds: tuple[float, float] | None, digits: int = 2) -> str:
    if bounds is None:
        return ""
    return f"[{num(bounds[0], digits)}, {num(bounds[1], digits)}]"


def utc(moment: datetime | None) -> str:
    """A timestamp in UTC, to the minute (a naive one is taken as UTC)."""
    if moment is None:
        return DASH
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def finite(value: float | None) -> float | None:
    """``value``, or None when it is missing or not a finite number (nothing to draw)."""
    return value if value is not None and math.isfinite(value) else None


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def short(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` half-width characters (a Chinese character counts two), with an ellipsis."""
    if sum(map(_width, text)) <= limit:
        return text
    out, used = [], 1  # the ellipsis
    for char in text:
        used += _width(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out) + "…"


def _scale(lo: float, hi: float, x0: float, x1: float) -> Callable[[float], float]:
    """The linear map of ``lo..hi`` onto ``x0..x1``, rounded to 0.1 px."""
    span = (hi - lo) or 1.0
    return lambda v: round(x0 + (v - lo) / span * (x1 - x0), 1)


def _nice_step(span: float, max_ticks: int = 6) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if span / step <= max_ticks:
            return float(step)
    return float(10 ** math.ceil(math.log10(span)))


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    count = round((hi - lo) / step)
    return [round(lo + i * step, 6) for i in range(count + 1)]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
