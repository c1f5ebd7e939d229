"""A generated population in the local cloud, for the analytics CLI and tests.

The interviews are written as the scoring stage leaves them (SCORED rows with their competency scores;
2,000 workflow runs would take hours on this machine), the job profile, outcomes and demographics go in
through the API, as a portal and an EHR would send them (CSV batches).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jiping import bootstrap
from jiping.analytics.models import DemographicRecord, OutcomeRecord
from jiping.domain.models import Interview, InterviewStatus, Question, StatusChange
from jiping.domain.profiles import JobProfile, profile_version_id

from infra import constants
from infra.localcloud.population import Population

CSV = {"content-type": "text/csv"}
BATCH_ROWS = 5000


@dataclass
class Seeded:
    interviews: int
    outcomes: int
    demographics: int


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def outcome_row(record: OutcomeRecord) -> list[Any]:
    """An outcome as the EHR posts it (the inverse of ``OutcomeIn.normalised`` on the default scale)."""
    if record.kind == "performance":
        value: Any = round(1 + 4 * record.value, 4)
    elif record.kind == "hire":
        value = "true" if record.value >= 0.5 else "false"
    else:
        value = "passed" if record.value >= 0.5 else "failed"
    return [record.interview_id, record.kind, record.date.isoformat(), value]


def demographics_csv(records: list[DemographicRecord]) -> str:
    names = sorted({k for r in records for k in r.attributes})
    return _csv(
        ["interview_id", *names],
        [[r.interview_id, *(r.attributes.get(n, "") for n in names)] for r in records],
    )


def _replace_with(interview: Interview) -> Callable[[Interview | None], Interview]:
    return lambda _current: interview


def seed_population(
    cloud: Any, api: Any, api_key: str, tenant: str, profile: JobProfile, population: Population
) -> Seeded:
    """Write ``population`` into the local cloud for ``tenant`` (the API key's tenant)."""
    auth = {"authorization": f"Bearer {api_key}"}
    response = api.request(
        "POST",
        "/v1/profiles",
        headers=auth | {"content-type": "application/json"},
        body=profile.model_dump_json(),
    )
    if response.status not in (201, 409):
        raise RuntimeError(f"POST /v1/profiles: {response.status} {response.body[:200]!r}")
    repo = bootstrap.interview_repository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    rubric = profile_version_id(profile)
    for c in population.candidates:
        interview = Interview(
            tenant_id=tenant,
            interview_id=c.interview_id,
            job_id=c.job_id,
            job_version=c.job_version,
            questions=[Question(question_id=q.id) for q in profile.questions],
            status=InterviewStatus.SCORED,
            created_at=c.scored_at,
            updated_at=c.scored_at,
            status_history=[StatusChange(status=InterviewStatus.SCORED, at=c.scored_at)],
            overall_score=c.overall_score,
            recommendation=c.recommendation,
            competency_scores=c.competencies,
            scored_at=c.scored_at,
            score_versions={"rubric": rubric, "scoring_model": "generated-population"},
            candidate_ref=f"cand-{c.interview_id}",
        )
        repo.update(tenant, c.interview_id, _replace_with(interview))
    outcomes = [outcome_row(o) for o in population.outcomes]
    stored = 0
    for start in range(0, len(outcomes), BATCH_ROWS):
        body = _csv(["interview_id", "kind", "date", "value"], outcomes[start : start + BATCH_ROWS])
        response = api.request("POST", "/v1/outcomes", headers=auth | CSV, body=body)
        if response.status != 201:
            raise RuntimeError(f"POST /v1/outcomes: {response.status} {response.body[:300]!r}")
        stored += json.loads(response.body)["stored"]
    response = api.request(
        "POST", "/v1/demographics", headers=auth | CSV, body=demographics_csv(population.demographics)
    )
    if response.status != 201:
        raise RuntimeError(f"POST /v1/demographics: {response.status} {response.body[:300]!r}")
    return Seeded(len(population.candidates), stored, json.loads(response.body)["stored"])
