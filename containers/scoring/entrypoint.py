"""The scoring states (PlanScoring, AnalyseAnswer in the Map, ScoreInterview) as one container-image Lambda.

One warm function with one loaded judge model serves the three states by ``step`` (``SCORING_STEP``): a Map of
answers pays no model load per state. An image: llama.cpp, the encoder and onnxruntime do not fit the layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jiping import bootstrap
from jiping.handlers import powertools_handler
from jiping.observability import logger
from jiping.settings import ScoreSettings, load
from jiping.workflow import score as stage
from jiping.workflow.tasks import task_main


@lru_cache(maxsize=1)
def settings() -> ScoreSettings:
    return load(ScoreSettings)


def _stores() -> tuple[ScoreSettings, Any, Any]:
    s = settings()
    return (
        s,
        bootstrap.interview_repository(s.interviews_table),
        bootstrap.profile_repository(s.profiles_table),
    )


def run(request: stage.ScoreRequest) -> dict[str, Any]:
    s, repo, profiles = _stores()
    audit = bootstrap.audit_log(s.audit_table) if s.audit_table else None
    event = stage.score_stage(request, s, repo, profiles, bootstrap.object_store(), audit)
    return event.model_dump(mode="json")


def plan(request: stage.PlanScoringRequest) -> dict[str, Any]:
    _, repo, profiles = _stores()
    items = stage.plan_scoring(request, repo, profiles)
    logger.info("scoring planned", answers=len(items["answers"]))
    return items


def analyse(request: stage.AnalyseAnswerRequest) -> dict[str, Any]:
    s, repo, profiles = _stores()
    ref = stage.analyse_answer(request, s, repo, profiles, bootstrap.object_store())
    logger.info("answer analysed")
    return ref


def score(request: stage.ScoreRequest) -> dict[str, Any]:
    result = run(request)
    # A candidate's scores are personal data: counts only in the logs, the scores stay in the result.
    logger.info("scored", competencies=len(result["data"]["competencies"]), event_id=result["id"])
    return result


STATES: dict[str, Callable[[Any], dict[str, Any]]] = {"plan": plan, "analyse": analyse, "score": score}


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = stage.SCORING_STEP.validate_python({"step": "score", **event})
    return STATES[request.step](request)


handler = powertools_handler(_handle)


def main(argv: Sequence[str] | None = None) -> int:
    return task_main(argv, description="Score one interview", request=stage.ScoreRequest, run=run)


if __name__ == "__main__":
    raise SystemExit(main())
