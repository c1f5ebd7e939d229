"""ScoreInterview: the container-image Lambda that scores an interview once all its answers are analysed.

A container image, not a zip on the layer: the sentence encoder (72 MB) and onnxruntime with its
extensions do not fit the layer next to the rest. ``entrypoint.handler`` serves the three scoring
states by the request's ``step`` (``jiping.workflow.score``): ``plan`` (PlanScoring, the Map's items),
``analyse`` (AnalyseAnswer, one answer's features, inside the Map) and ``score`` (ScoreInterview,
returns the ``interview.scored`` event for the workflow to publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from jiping import bootstrap
from jiping.settings import ScoreSettings, load
from jiping.workflow.score import (
    AnalyseAnswerRequest,
    PlanScoringRequest,
    ScoreRequest,
    analyse_answer,
    plan_scoring,
    score_stage,
)
from jiping.workflow.tasks import task_main


@lru_cache(maxsize=1)
def settings() -> ScoreSettings:
    return load(ScoreSettings)


def run(request: ScoreRequest) -> dict[str, Any]:
    s = settings()
    event = score_stage(
        request,
        s,
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.profile_repository(s.profiles_table),
        bootstrap.object_store(),
        bootstrap.audit_log(s.audit_table) if s.audit_table else None,
    )
    return event.model_dump(mode="json")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from jiping.observability import logger

    s = settings()
    repo = bootstrap.interview_repository(s.interviews_table)
    profiles = bootstrap.profile_repository(s.profiles_table)
    step = event.get("step", "score")
    if step == "plan":
        items = plan_scoring(PlanScoringRequest.model_validate(event), repo, profiles)
        logger.info("scoring planned", answers=len(items["answers"]))
        return items
    if step == "analyse":
        ref = analyse_answer(
            AnalyseAnswerRequest.model_validate(event), s, repo, profiles, bootstrap.object_store()
        )
        logger.info("answer analysed")
        return ref
    result = run(ScoreRequest.model_validate(event))
    # A candidate's scores are personal data: counts only in the logs, the scores stay in the result.
    logger.info("scored", competencies=len(result["data"]["competencies"]), event_id=result["id"])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(argv, description="Score one interview", request=ScoreRequest, run=run)


if __name__ == "__main__":
    raise SystemExit(main())
