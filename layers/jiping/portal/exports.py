"""CSV downloads of the HR workspace: a job's talent pool (``pool_csv``) and its results, one column per
competency (``results_csv``).

Both are UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly, written by the csv
module (quoting, line ends ``\\r\\n``). A text cell that a spreadsheet would read as a formula (it begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: OWASP's CSV injection guidance) gets a leading
``'``; numbers are written by us and are never touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from jiping.domain.models import Interview, Model
from jiping.domain.profiles import JobProfile

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
POOL_COLUMNS = (
    "rank",
    "interview_id",
    "candidate_ref",
    "overall_score",
    "level",
    "recommendation",
    "status",
    "review_needed",
    "pushed_to",
    "decision",
    "scored_at",
)
RESULT_COLUMNS = (
    "interview_id",
    "candidate_ref",
    "scored_at",
    "overall_score",
    "recommendation",
    "model_recommendation",
)


def neutralise(text: str) -> str:
    """A text cell that cannot start a formula: a leading ``'`` before ``= + - @``, tab or carriage return."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum (InterviewStatus)
        return neutralise(value.value)
    return neutralise(str(value))


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def _fields(item: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    return item.model_dump() if isinstance(item, BaseModel) else item


def _people(value: Any) -> str:
    """``pushed_to``: the managers as ``name (user_id)``, joined by ``; ``."""
    if not value:
        return ""
    people = []
    for person in value:
        p = _fields(person) if isinstance(person, Mapping | BaseModel) else {"name": str(person)}
        name, user = p.get("name"), p.get("user_id")
        people.append(f"{name} ({user})" if name and user and name != user else str(name or user or ""))
    return "; ".join(people)


def _decision(value: Any) -> Any:
    """A decision as its word (``advance``, ``hold``, ``decline``), whether given as a word or a record."""
    if isinstance(value, Mapping | BaseModel):
        return _fields(value).get("decision")
    return value


def pool_csv(entries: Iterable[Mapping[str, Any] | BaseModel]) -> bytes:
    """The talent pool (``PoolEntry`` rows or their dumps), in the order given, one row each."""
    rows = []
    for entry in entries:
        e = _fields(entry)
        row = dict(e) | {"pushed_to": _people(e.get("pushed_to")), "decision": _decision(e.get("decision"))}
        rows.append([row.get(column) for column in POOL_COLUMNS])
    return _csv(POOL_COLUMNS, rows)


# --- a job's results ----------------------------------------------------------------------------


class ResultRow(Model):
    """One scored interview of a job, as the results export writes it."""

    interview_id: str
    candidate_ref: str | None = None
    scored_at: datetime | None = None
    overall_score: float | None = None
    recommendation: str | None = None  # after a human's decision, that decision
    model_recommendation: str | None = None  # the model's (None: not known from the row)
    competency_scores: dict[str, float | None] = Field(default_factory=dict)


def model_recommendation_of(interview: Interview) -> str | None:
    """The model's recommendation as the interview row still tells it: the row's own until a person acts;
    after a review request or a reviewer's decision, the recommendation recorded before it (None when the
    row kept none: then the result document, ``result.json``, holds it)."""
    review = interview.human_review or {}
    if not review:
        return interview.recommendation
    for key in ("model_recommendation", "recommendation_before"):
        if review.get(key):
            return str(review[key])
    return None


def result_row(interview: Interview, result: Mapping[str, Any] | None = None) -> ResultRow:
    """An interview row as a results row; ``result``, its result document, when at hand, names the model's
    recommendation for certain."""
    model = result.get("recommendation") if result else None
    return ResultRow(
        interview_id=interview.interview_id,
        candidate_ref=interview.candidate_ref,
        scored_at=interview.scored_at,
        overall_score=interview.overall_score,
        recommendation=interview.recommendation,
        model_recommendation=str(model) if model else model_recommendation_of(interview),
        competency_scores=dict(interview.competency_scores),
    )


def results_csv(rows: Iterable[Interview | ResultRow | Mapping[str, Any]], profile: JobProfile) -> bytes:
    """Every scored interview of a job, one row each, with one column per competency of ``profile`` in the
    profile's order (its header is the competency's name and id, e.g. ``沟通表达 (communication)``; a
    competency that was not assessed is an empty cell)."""
    header = [*RESULT_COLUMNS, *(f"{c.name} ({c.id})" for c in profile.competencies)]
    lines = []
    for item in rows:
        if isinstance(item, Interview):
            row = result_row(item)
        elif isinstance(item, ResultRow):
            row = item
        else:
            row = ResultRow.model_validate(item)
        scores = row.competency_scores
        lines.append(
            [
                row.interview_id,
                row.candidate_ref,
                row.scored_at,
                row.overall_score,
                row.recommendation,
                row.model_recommendation,
                *(scores.get(c.id) for c in profile.competencies),
            ]
        )
    return _csv(header, lines)
