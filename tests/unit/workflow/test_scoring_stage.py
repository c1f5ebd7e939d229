"""The three scoring steps of the workflow (PlanScoring, the AnalyseAnswer Map, ScoreInterview) on fakes."""

from __future__ import annotations

from pathlib import Path

import pytest
from jiping.domain.errors import InvalidInput, NotFound
from jiping.domain.models import Interview, InterviewStatus, MediaRecord, ObjectLocation, Question, utcnow
from jiping.domain.profiles import JobProfile, bundled_profiles
from jiping.settings import ScoreSettings
from jiping.workflow.score import (
    AnalyseAnswerRequest,
    FeaturesRef,
    PlanScoringRequest,
    ScoreRequest,
    analyse_answer,
    plan_scoring,
    score_stage,
)

from tests.unit.scoring.test_scoring import EN, ZH, answer

ROOT = Path(__file__).resolve().parents[3]
BUCKET = "artifacts"


class Profiles:
    def __init__(self, profile: JobProfile) -> None:
        self.profile = profile

    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None:
        ok = tenant_id == "t1" and profile_id == self.profile.id and version in (None, self.profile.version)
        return self.profile if ok else None


@pytest.fixture
def settings() -> ScoreSettings:
    return ScoreSettings(
        interviews_table="i",
        profiles_table="p",
        artifacts_bucket=BUCKET,
        model_cache_dir=str(ROOT / ".cache" / "models"),
        model_fetch=False,
    )


@pytest.fixture
def profiles() -> Profiles:
    return Profiles(bundled_profiles()["customer-service"])


@pytest.fixture
def interview(repo, store) -> Interview:
    """Two asked questions answered by two clips, plus a question outside the profile, unanswered."""
    now = utcnow()
    media = {}
    for media_id, qid, text in (
        ("m1", "difficult_customer", ZH["strong"]),
        ("m2", "explain_policy", ZH["vague"]),
    ):
        key = f"t1/iv/{media_id}/analysis.json"
        a = answer(qid, text, "zh").model_copy(update={"media_id": media_id})
        store.put_json(ObjectLocation(bucket=BUCKET, key=key), {"answers": [a.model_dump(mode="json")]})
        media[media_id] = MediaRecord(
            media_id=media_id,
            status=InterviewStatus.TRANSCRIBED,
            key=f"u/{media_id}",
            analysis_key=key,
            questions=[qid],
            updated_at=now,
        )
    row = Interview(
        tenant_id="t1",
        interview_id="iv",
        job_id="customer-service",
        job_version=1,
        questions=[
            Question(question_id=q) for q in ("difficult_customer", "explain_policy", "not_in_profile")
        ],
        status=InterviewStatus.TRANSCRIBED,
        created_at=now,
        updated_at=now,
        media=media,
    )
    repo.rows[("t1", "iv")] = row
    return row


def test_plan_lists_one_item_per_answered_profile_question(interview, repo, profiles) -> None:
    plan = plan_scoring(
        PlanScoringRequest(tenant_id="t1", interview_id="iv", execution_id="e"), repo, profiles
    )
    assert [(i["question_id"], i["analysis_key"], i["step"]) for i in plan["answers"]] == [
        ("difficult_customer", "t1/iv/m1/analysis.json", "analyse"),
        ("explain_policy", "t1/iv/m2/analysis.json", "analyse"),
    ]
    assert (plan["job_id"], plan["job_version"]) == ("customer-service", 1)


def test_another_tenant_or_a_missing_profile_is_not_found(interview, repo, profiles) -> None:
    with pytest.raises(NotFound):
        plan_scoring(PlanScoringRequest(tenant_id="t2", interview_id="iv", execution_id="e"), repo, profiles)
    repo.rows[("t1", "iv")].job_version = 7
    with pytest.raises(NotFound):
        plan_scoring(PlanScoringRequest(tenant_id="t1", interview_id="iv", execution_id="e"), repo, profiles)


def test_scoring_from_the_maps_features_equals_scoring_in_one_step(
    interview, repo, store, profiles, settings, judge_model
) -> None:
    plan = plan_scoring(
        PlanScoringRequest(tenant_id="t1", interview_id="iv", execution_id="e"), repo, profiles
    )
    refs = [
        analyse_answer(AnalyseAnswerRequest.model_validate(i), settings, repo, profiles, store, judge_model)
        for i in plan["answers"]
    ]
    assert [r["features_key"] for r in refs] == [
        "t1/iv/features/difficult_customer.json",
        "t1/iv/features/explain_policy.json",
    ]
    assert [r["judgement_key"] for r in refs] == [
        "t1/iv/judgement/difficult_customer.json",
        "t1/iv/judgement/explain_policy.json",
    ]
    mapped = score_stage(
        ScoreRequest(
            tenant_id="t1",
            interview_id="iv",
            execution_id="e",
            features=[FeaturesRef.model_validate(r) for r in refs],
        ),
        settings,
        repo,
        profiles,
        store,
        model=judge_model,
    )
    calls = judge_model.calls
    mapped_doc = store.get_json(ObjectLocation(bucket=BUCKET, key="t1/iv/result.json"))
    assert (
        calls == judge_model.calls - 0 and calls > 0
    )  # the score step read the Map's judgements, judged nothing
    direct = score_stage(
        ScoreRequest(tenant_id="t1", interview_id="iv", execution_id="e"),
        settings,
        repo,
        profiles,
        store,
        model=judge_model,
    )
    assert judge_model.calls > calls  # the direct run judged the answers itself
    direct_doc = store.get_json(ObjectLocation(bucket=BUCKET, key="t1/iv/result.json"))
    assert mapped.id == direct.id and mapped.data["overall_score"] == direct.data["overall_score"]
    assert mapped_doc["competencies"] == direct_doc["competencies"]
    assert repo.rows[("t1", "iv")].status is InterviewStatus.SCORED


def test_an_analysis_without_the_question_is_refused(interview, repo, store, profiles, settings) -> None:
    request = AnalyseAnswerRequest(
        tenant_id="t1", interview_id="iv", question_id="explain_policy", analysis_key="t1/iv/m1/analysis.json"
    )
    with pytest.raises(InvalidInput, match="0 answers to question explain_policy"):
        analyse_answer(request, settings, repo, profiles, store)
    assert not any(k.endswith("explain_policy.json") for _, k in store.objects)


def test_english_answers_are_analysed_in_english(repo, store, settings, judge_model) -> None:
    profile = bundled_profiles()["software-engineer"]
    now = utcnow()
    a = answer("measurable_impact", EN["strong"], "en")
    store.put_json(ObjectLocation(bucket=BUCKET, key="k"), {"answers": [a.model_dump(mode="json")]})
    repo.rows[("t1", "iv2")] = Interview(
        tenant_id="t1",
        interview_id="iv2",
        job_id=profile.id,
        job_version=profile.version,
        questions=[Question(question_id="measurable_impact")],
        status=InterviewStatus.TRANSCRIBED,
        created_at=now,
        updated_at=now,
    )
    request = AnalyseAnswerRequest(
        tenant_id="t1", interview_id="iv2", question_id="measurable_impact", analysis_key="k"
    )
    ref = analyse_answer(request, settings, repo, Profiles(profile), store, judge_model)
    features = store.get_json(ObjectLocation(bucket=BUCKET, key=ref["features_key"]))
    judged = store.get_json(ObjectLocation(bucket=BUCKET, key=ref["judgement_key"]))
    assert judged["language"] == "en" and judged["model"] == judge_model.label
    assert features["language"] == "en" and "cut" in features["indicator_hits"]["impact"]


def test_the_scoring_container_tells_its_three_states_apart_by_step() -> None:
    from jiping.workflow.score import SCORING_STEP, AnalyseAnswerRequest, PlanScoringRequest, ScoreRequest
    from pydantic import ValidationError

    ref = {"tenant_id": "t", "interview_id": "iv-1", "execution_id": "x"}
    assert isinstance(SCORING_STEP.validate_python({"step": "plan", **ref}), PlanScoringRequest)
    answer = {
        "step": "analyse",
        "tenant_id": "t",
        "interview_id": "iv-1",
        "question_id": "q1",
        "analysis_key": "k",
    }
    assert isinstance(SCORING_STEP.validate_python(answer), AnalyseAnswerRequest)
    assert isinstance(SCORING_STEP.validate_python({"step": "score", **ref}), ScoreRequest)
    with pytest.raises(ValidationError):
        SCORING_STEP.validate_python({"step": "publish", **ref})
    with pytest.raises(ValidationError):  # an analyse request without its answer is refused, not scored
        SCORING_STEP.validate_python({"step": "analyse", **ref})
