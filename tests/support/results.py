"""A result document as the Score stage writes it (``jiping.workflow.score.result_document``), for tests that
need a scored interview without running the workflow: the customer-service profile's competencies, two
answers with transcripts, evidence quotes on the media clock, speech and vision measures, and a flag."""

from __future__ import annotations

from typing import Any

from jiping.domain.profiles import bundled_profiles
from jiping.scoring.results import CompetencyScore, EvidenceQuote, ReasonItem, anchor_of, level_of

ANSWERS = {
    "difficult_customer": (
        "上个月有位客户因为订单延迟很生气。我先耐心听他说完，然后查了物流记录，发现是仓库漏发。"
        "我当天就安排了补发，并在第二天电话回访确认他收到了。最后客户很满意，给了我们好评。",
        [
            (2.0, 6.5, "上个月有位客户因为订单延迟很生气。"),
            (6.5, 14.0, "我先耐心听他说完，然后查了物流记录，发现是仓库漏发。"),
            (14.0, 21.0, "我当天就安排了补发，并在第二天电话回访确认他收到了。"),
        ],
    ),
    "under_pressure": (
        "双十一那天咨询量是平时的五倍，我把常见问题整理成快捷回复，先处理催单的客户，再逐一回访。",
        [
            (
                1.0,
                9.0,
                "双十一那天咨询量是平时的五倍，我把常见问题整理成快捷回复，先处理催单的客户，再逐一回访。",
            )
        ],
    ),
}


def _measure(value: float | None, n: int, unit: str | None, missing: str | None = None) -> dict[str, Any]:
    return {"value": value, "n": n, "unit": unit, "missing": missing}


def sample_result(
    interview_id: str, *, overall_score: float, recommendation: str, tenant_id: str = "t"
) -> dict[str, Any]:
    profile = bundled_profiles()["customer-service"]
    competencies = []
    for n, c in enumerate(profile.competencies):
        score = round(max(0.0, min(100.0, overall_score + (6 - 4 * n))), 1)
        level = level_of(score)
        question = "difficult_customer" if n % 2 == 0 else "under_pressure"
        start, end, quote = ANSWERS[question][1][0]
        competencies.append(
            CompetencyScore(
                id=c.id,
                name=c.name,
                score=score,
                level=level,
                anchor=anchor_of(c, level),
                evidence=[EvidenceQuote(question_id=question, text=quote, start=start, end=end)],
                contributions={"baseline": score},
                question_ids=[question],
                reason=f"{c.name}：回答中有具体做法，{'但' if level < 5 else '并且'}下一等级的行为{'未' if level < 5 else '已'}体现。",
                strengths=[
                    ReasonItem(level=min(level, 3), text=c.anchors[3], quote=quote, question_id=question)
                ],
                gaps=[ReasonItem(level=5, text=c.anchors[5])] if level < 5 else [],
            ).model_dump(mode="json")
        )
    questions = []
    for question, (text, sentences) in ANSWERS.items():
        questions.append(
            {
                "question_id": question,
                "media_id": f"m-{question}",
                "start": 0.0,
                "end": sentences[-1][1] + 2.0,
                "transcript": {
                    "text": text,
                    "language": "zh",
                    "segments": [{"start": s, "end": e, "text": t} for s, e, t in sentences],
                },
                "relevance": None,
                "signals": {
                    "speech": {
                        "speech_rate_cpm": _measure(212.0, 40, "char/min"),
                        "pitch_sd_semitones": _measure(2.5779, 300, "st"),
                        "pause_ratio": _measure(None, 0, None, "no pauses long enough to measure"),
                    },
                    "vision": {
                        "looking_at_camera": _measure(0.59, 30, "share"),
                        "head_yaw_mean": _measure(-1.1139, 30, "deg"),
                    },
                },
                "timeline": [],
            }
        )
    review_flags = (
        [{"code": "SHORT_ANSWER", "question_id": "under_pressure", "detail": "The answer lasts 10 s."}]
        if recommendation == "review"
        else []
    )
    return {
        "status": "SCORED",
        "interview_id": interview_id,
        "tenant_id": tenant_id,
        "job_id": profile.id,
        "job_version": profile.version,
        "overall_score": overall_score,
        "assessed_weight": 1.0,
        "recommendation": recommendation,
        "review_reasons": ["第2题回答过短"] if review_flags else [],
        "review_flags": review_flags,
        "competencies": competencies,
        "questions": questions,
        "flags": [
            {
                "code": "LOOKING_AWAY",
                "detail": "Looking away from the camera on 41% of the 30 frames with a face in this answer.",
                "start": 0.0,
                "end": 11.0,
                "question_id": "under_pressure",
            }
        ],
        "versions": {
            "rubric": f"{profile.id}@{profile.version}",
            "scoring_model": "scoring-v2",
            "judge_model": "fake",
        },
        "timings": {"score_s": 0.1},
    }
