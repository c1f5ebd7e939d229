"""Re-scoring under another profile version: only when asked, the earlier result kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jiping.domain.errors import NotFound
from jiping.domain.models import Interview, InterviewStatus, ObjectLocation
from jiping.domain.profiles import JobProfile, Recommendation, bundled_profiles, weights_digest
from jiping.scoring.rescoring import NotScored, rescore_interview
from jiping.scoring.results import CompetencyScore, IncompatibleProfile, ScoreResult, ScoreVersions, rescore

BUCKET = "artifacts"
AT = datetime(2026, 11, 1, tzinfo=UTC)


def base() -> JobProfile:
    return bundled_profiles()["customer-service"]


def reweighted(profile: JobProfile, weights: dict[str, float], version: int = 2) -> JobProfile:
    data = profile.model_dump()
    data["version"] = version
    for c in data["competencies"]:
        c["weight"] = weights[c["id"]]
    return JobProfile.model_validate(data)


def scored(
    profile: JobProfile, scores: dict[str, float | None], reasons: list[str] | None = None
) -> ScoreResult:
    competencies = [
        CompetencyScore(
            id=c.id, name=c.name, score=scores[c.id], assessed=scores[c.id] is not None, reason="r"
        )
        for c in profile.competencies
    ]
    return ScoreResult(
        overall_score=None,
        recommendation=Recommendation.REVIEW,
        review_reasons=reasons or [],
        competencies=competencies,
        versions=ScoreVersions(rubric=f"{profile.id}@v1", scoring_model="m"),
    )


def test_rescore_combines_the_same_competency_scores_under_the_new_weights() -> None:
    v1 = base()
    ids = [c.id for c in v1.competencies]
    scores: dict[str, float | None] = dict(zip(ids, [90.0, 40.0, 40.0, 90.0], strict=True))
    v2 = reweighted(v1, dict(zip(ids, [1.0, 0.0, 0.0, 1.0], strict=True)))
    after = rescore(scored(v1, scores), v2)
    assert after.overall_score == 90.0 and after.recommendation is Recommendation.ADVANCE
    assert [c.score for c in after.competencies] == [90.0, 40.0, 40.0, 90.0]
    assert after.versions.rubric == "customer-service@v2"
    assert (
        after.versions.composite_model
        == f"m+weights:{weights_digest(v2)}"
        != f"m+weights:{weights_digest(v1)}"
    )


def test_rescore_keeps_the_answers_review_reasons_and_recomputes_the_assessed_share() -> None:
    v1 = base()
    ids = [c.id for c in v1.competencies]
    scores: dict[str, float | None] = {ids[0]: 80.0, ids[1]: None, ids[2]: None, ids[3]: None}
    before = scored(
        v1, scores, ["q1: audio clipped", "the asked questions assess 30% of the profile's weight"]
    )
    # v2 puts nearly all weight on the one assessed competency: the share reason goes away, the other stays
    v2 = reweighted(v1, dict(zip(ids, [9.0, 0.0, 0.5, 0.5], strict=True)))
    after = rescore(before, v2)
    assert after.review_reasons == ["q1: audio clipped"] and after.recommendation is Recommendation.REVIEW
    assert after.assessed_weight == pytest.approx(0.9)


def test_a_scoring_v2_result_keeps_its_review_codes_and_judgement_through_a_rescore() -> None:
    from jiping.scoring.results import ReasonItem, ReviewFlag

    v1 = base()
    ids = [c.id for c in v1.competencies]
    before = scored(v1, dict(zip(ids, [90.0, 90.0, 90.0, 90.0], strict=True)))
    flag = ReviewFlag(code="KEYWORD_LIST", question_id="difficult_customer", detail="a list of words")
    before = before.model_copy(
        update={
            "review_flags": [flag],
            "review_reasons": ["difficult_customer: KEYWORD_LIST (a list of words)"],
            "competencies": [
                c.model_copy(
                    update={
                        "gaps": [ReasonItem(level=5, text="通过回访确认客户满意")],
                        "judgement": {"difficult_customer": {"kind": "narrative"}},
                    }
                )
                for c in before.competencies
            ],
        }
    )
    after = rescore(before, reweighted(v1, dict(zip(ids, [1.0, 1.0, 1.0, 2.0], strict=True))))
    assert after.review_flags == [flag] and after.recommendation is Recommendation.REVIEW  # 90 would advance
    assert after.competencies[0].gaps == before.competencies[0].gaps
    assert after.competencies[0].judgement == {"difficult_customer": {"kind": "narrative"}}


def test_a_scoring_v1_result_still_reads_and_rescores() -> None:
    v1 = base()
    stored = {  # a result document written before scoring-v2: no review codes, no strengths, timed evidence
        "id": "customer_focus",
        "name": "客户导向",
        "score": 81.5,
        "level": 5,
        "reason": "评估理由：…",
        "evidence": [{"question_id": "q1", "text": "最后客户很满意。", "start": 8.1, "end": 9.9}],
        "contributions": {"baseline": 50.0},
        "missing": {},
        "question_ids": ["q1"],
        "assessed": True,
        "anchor": "a",
    }
    competency = CompetencyScore.model_validate(stored)
    assert competency.strengths == [] and competency.judgement is None and competency.evidence[0].start == 8.1
    result = scored(v1, {c.id: 81.5 for c in v1.competencies})
    assert rescore(result, reweighted(v1, {c.id: 1.0 for c in v1.competencies})).overall_score == 81.5


def test_rescore_refuses_a_profile_with_other_competencies() -> None:
    with pytest.raises(IncompatibleProfile):
        rescore(
            scored(base(), {c.id: 50.0 for c in base().competencies}), bundled_profiles()["sales-manager"]
        )


class Profiles:
    def __init__(self, *profiles: JobProfile) -> None:
        self.by_version = {p.version: p for p in profiles}

    def get(self, tenant_id: str, profile_id: str, version: int | None = None) -> JobProfile | None:
        return self.by_version.get(version or max(self.by_version))


def _scored_interview(repo, store, v1: JobProfile, scores: dict[str, float | None]) -> None:
    key = "t/iv-1/result.json"
    result = scored(v1, scores)
    store.put_json(
        ObjectLocation(bucket=BUCKET, key=key),
        {
            "job_id": v1.id,
            "job_version": 1,
            "overall_score": 65.0,
            "assessed_weight": 1.0,
            "recommendation": "review",
            "review_reasons": [],
            "competencies": [c.model_dump(mode="json") for c in result.competencies],
            "versions": result.versions.model_dump(mode="json"),
            "questions": [],
        },
    )
    repo.rows[("t", "iv-1")] = Interview(
        tenant_id="t",
        interview_id="iv-1",
        job_id=v1.id,
        job_version=1,
        status=InterviewStatus.SCORED,
        created_at=AT,
        updated_at=AT,
        overall_score=65.0,
        recommendation="review",
        result_key=key,
        competency_scores=scores,
        scored_at=AT,
        score_versions={"rubric": "customer-service@v1"},
    )


def test_rescore_interview_writes_a_new_result_and_keeps_the_old_one_in_history(repo, store) -> None:
    v1 = base()
    ids = [c.id for c in v1.competencies]
    scores: dict[str, float | None] = dict(zip(ids, [90.0, 40.0, 40.0, 90.0], strict=True))
    _scored_interview(repo, store, v1, scores)
    v2 = reweighted(v1, dict(zip(ids, [1.0, 0.0, 0.0, 1.0], strict=True)))
    done = rescore_interview(
        "t", "iv-1", 2, repo=repo, profiles=Profiles(v1, v2), store=store, artifacts_bucket=BUCKET
    )
    assert (done.job_version, done.overall_score, done.recommendation) == (2, 90.0, "advance")
    (before,) = done.score_history
    assert (before.job_version, before.overall_score, before.result_key) == (1, 65.0, "t/iv-1/result.json")
    new = store.get_json(ObjectLocation(bucket=BUCKET, key=done.result_key))
    assert new["rescored_from"]["job_version"] == 1 and new["overall_score"] == 90.0
    assert store.get_json(ObjectLocation(bucket=BUCKET, key="t/iv-1/result.json"))["overall_score"] == 65.0
    assert (BUCKET, "t/iv-1/rescores/customer-service@v2/report.html") in store.objects
    writes = repo.writes
    again = rescore_interview(
        "t", "iv-1", 2, repo=repo, profiles=Profiles(v1, v2), store=store, artifacts_bucket=BUCKET
    )
    assert again.score_history == done.score_history and repo.writes == writes  # nothing to do twice


def test_rescore_interview_needs_a_result_and_the_version(repo, store) -> None:
    v1 = base()
    repo.rows[("t", "iv-2")] = Interview(
        tenant_id="t",
        interview_id="iv-2",
        job_id=v1.id,
        job_version=1,
        status=InterviewStatus.PROCESSING,
        created_at=AT,
        updated_at=AT,
    )
    with pytest.raises(NotScored):
        rescore_interview(
            "t", "iv-2", 2, repo=repo, profiles=Profiles(v1), store=store, artifacts_bucket=BUCKET
        )
    _scored_interview(repo, store, v1, {c.id: 50.0 for c in v1.competencies})
    with pytest.raises(NotFound):
        rescore_interview(
            "t", "iv-1", 9, repo=repo, profiles=Profiles(v1), store=store, artifacts_bucket=BUCKET
        )
