"""The workspace's report view, from a real result document.

``tests/fixtures/result_timeline.json`` is the stored ``result.json`` of a real run (``jiping evaluate`` on
the local cloud) of the synthetic sample clips ``q1_zh_vague.mp4`` and ``q1_zh.mp4`` composed into ONE
video (``bench.media.compose``) with a question timeline: ``under_pressure`` 0–8.22 s, then
``difficult_customer`` from 8.22 s, against ``profiles/customer-service.yaml``. No person is in it (TTS
voices, drawn faces). Tests that need a flag the sample did not raise add it, with its numbers, to a copy.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jiping.delivery.wecom import _review_line
from jiping.domain.measures import FlagCode
from jiping.domain.models import Interview, InterviewStatus, MediaRecord, Question
from jiping.domain.profiles import BUNDLED_DIR, load_profile
from jiping.domain.review_codes import REVIEW_LABELS, REVIEW_LABELS_BY_LANGUAGE
from jiping.portal.report_view import MESSAGES, MediaLink, report_view

from tests.conftest import REPO

SAMPLE = json.loads((REPO / "tests" / "fixtures" / "result_timeline.json").read_text(encoding="utf-8"))
PROFILE = load_profile(BUNDLED_DIR / "customer-service.yaml")
AT = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
URL = "https://artifacts.example/uploads/demo/iv-timeline/both2.mp4?X-Amz-Signature=abc"
MEDIA = {
    "under_pressure": MediaLink(url=URL, kind="video"),
    "difficult_customer": MediaLink(url=URL, kind="video"),
}


def result() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE)


def interview(**changes: Any) -> Interview:
    fields: dict[str, Any] = {
        "tenant_id": "demo",
        "interview_id": "iv-timeline",
        "job_id": PROFILE.id,
        "job_version": PROFILE.version,
        "questions": [
            Question(question_id="under_pressure", start_s=0.0, end_s=8.22),
            Question(question_id="difficult_customer", start_s=8.22),
        ],
        "status": InterviewStatus.SCORED,
        "created_at": AT,
        "updated_at": AT,
        "scored_at": AT,
        "candidate_ref": "C-2026-0007",
        "media": {
            "both2": MediaRecord(
                media_id="both2",
                status=InterviewStatus.TRANSCRIBED,
                key="uploads/demo/iv-timeline/both2.mp4",
                questions=["under_pressure", "difficult_customer"],
                updated_at=AT,
            )
        },
    }
    return Interview.model_validate(fields | changes)


def view(document: dict[str, Any] | None = None, language: str = "zh", **changes: Any) -> Any:
    return report_view(
        document if document is not None else result(),
        interview(**changes),
        PROFILE,
        media=MEDIA,
        language=language,
    )


def question(document: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in document["questions"] if q["question_id"] == question_id)


def competency(document: dict[str, Any] | Any, competency_id: str) -> Any:
    items = document["competencies"] if isinstance(document, dict) else document.competencies
    return next(c for c in items if (c["id"] if isinstance(c, dict) else c.id) == competency_id)


# --- the clock of quote times ----------------------------------------------------------------------


def test_quote_times_of_a_one_video_timeline_stay_on_the_videos_clock():
    # GIVEN the real result: the second question's answer starts 8.22 s into the one video
    shown = view()
    first, second = shown.questions
    assert (first.question_id, first.start, first.end) == ("under_pressure", 0.0, 8.22)
    assert (second.question_id, second.start) == ("difficult_customer", 8.22)
    assert first.media_url == second.media_url == URL  # both play the same file
    # THEN its quotes keep the times the player seeks to on that file: 8.34-19.9 s, not 0.12-11.68 s
    quote = competency(shown, "customer_focus").evidence[0]
    assert quote.question_id == "difficult_customer"
    assert (quote.start, quote.end) == (8.34, 19.9)
    assert second.start <= quote.start < quote.end <= second.end


def test_a_quote_time_outside_its_questions_window_is_dropped_not_shown():
    document = result()
    quote = competency(document, "customer_focus")["evidence"][0]
    quote["start"], quote["end"] = (
        0.12,
        11.68,
    )  # times relative to the answer window: another answer's stretch
    shown = competency(view(document), "customer_focus").evidence[0]
    assert (shown.start, shown.end) == (None, None)
    assert shown.text == quote["text"]


def test_a_strength_gets_the_times_of_the_evidence_quote_that_holds_it():
    document = result()
    c = competency(document, "customer_focus")
    sentence = c["evidence"][0]["text"]
    c["strengths"] = [
        {"level": 3, "text": "能理解客户的主要诉求", "quote": sentence, "question_id": "difficult_customer"},
        {"level": 3, "text": "给出解决方案", "quote": "没有说过的话", "question_id": "difficult_customer"},
    ]
    found, not_found = competency(view(document), "customer_focus").strengths
    assert (found.quote, found.start, found.end) == (sentence, 8.34, 19.9)
    assert (not_found.start, not_found.end) == (None, None)


# --- competencies, questions, recommendation -----------------------------------------------------------


def test_competencies_carry_weight_level_anchor_reason_and_the_next_levels_gaps():
    shown = view()
    focus = competency(shown, "customer_focus")
    assert focus.weight == 0.3  # 3 of the profile's 10
    assert (focus.score, focus.level) == (65.4, 4)
    assert focus.anchor == "能理解客户的主要诉求并给出解决方案，必要时会跟进结果。"
    assert focus.reason.startswith("客户导向 4 级")
    assert [(g.text, g.level) for g in focus.gaps][0] == ("主动挖掘客户未说出的需求", 5)
    unasked = competency(shown, "communication")
    assert (unasked.assessed, unasked.score, unasked.level, unasked.evidence) == (False, None, None, [])


def test_the_overall_score_has_its_level_and_the_models_recommendation():
    shown = view()
    assert (shown.overall.score, shown.overall.level) == (49.9, 3)
    assert shown.recommendation == shown.model_recommendation == "decline"
    assert shown.review.needed is False and shown.review.reasons == []


def test_a_reviewers_override_is_the_recommendation_and_the_models_stays_beside_it():
    decided = {
        "decided_at": AT.isoformat(),
        "decided_by": "hr:zhangsan",
        "decision": "advance",
        "decision_reason": "x",
    }
    shown = view(human_review=decided)
    assert (shown.recommendation, shown.model_recommendation) == ("advance", "decline")


def test_a_pending_review_request_makes_it_review_and_is_a_reason():
    shown = view(
        human_review={"requested_at": AT.isoformat(), "reason": None, "recommendation_before": "decline"}
    )
    assert (shown.recommendation, shown.model_recommendation) == ("review", "decline")
    assert shown.review.needed and shown.review.reasons == ["候选人申请了人工复核"]


def test_a_written_answer_has_no_media_and_no_clock_and_an_unanswered_question_is_none():
    iv = interview(
        questions=[
            Question(question_id="under_pressure", start_s=0.0, end_s=8.22),
            Question(question_id="difficult_customer", start_s=8.22),
            Question(question_id="complex_issue"),
        ],
    )
    iv.media["both2"].key = "uploads/demo/iv-timeline/under_pressure.json"  # as text_answers stores one
    shown = report_view(result(), iv, PROFILE, media={}, language="zh")
    kinds = {q.question_id: (q.answer, q.media_url, q.start) for q in shown.questions}
    assert kinds["under_pressure"] == ("text", None, None)
    assert kinds["complex_issue"] == ("none", None, None)
    assert shown.questions[2].text == PROFILE.question("complex_issue").text  # type: ignore[union-attr]


def test_an_english_view_uses_the_english_question_texts():
    shown = view(language="en")
    assert shown.language == "en"
    assert shown.questions[1].text == "Tell us about a time you handled a difficult customer."


def test_a_profile_that_says_auto_reads_as_chinese():
    assert view(language="auto").language == "zh"


# --- flags in words ----------------------------------------------------------------------------------


def with_flag(code: str, question_id: str = "under_pressure", **fields: Any) -> dict[str, Any]:
    document = result()
    flag = {
        "code": code,
        "question_id": question_id,
        "detail": "engineer's detail",
        "start": None,
        "end": None,
    }
    document["flags"].append(flag | fields)
    return document


def test_looking_away_with_looking_at_camera_0_59_reads_about_41_percent():
    # GIVEN the camera saw the candidate look at it on 59% of the face frames ...
    document = with_flag("LOOKING_AWAY", start=0.0, end=8.22, detail="Looking away on 99% of the frames.")
    question(document, "under_pressure")["signals"]["vision"]["looking_at_camera"]["value"] = 0.59
    # THEN the words say 41%, from the measure (never from the English detail, which says 99%)
    (flag,) = view(document).flags
    assert flag.words == "约 41% 的时间未看向镜头"
    assert (flag.question_id, flag.start, flag.end) == ("under_pressure", 0.0, 8.22)
    assert view(document, language="en").flags[0].words == "Looked away from the camera about 41% of the time"


def test_looking_away_without_a_gaze_measure_is_said_without_a_number():
    document = with_flag("LOOKING_AWAY", detail="Looking away on 70% of the frames.")
    question(document, "under_pressure")["signals"]["vision"]["looking_at_camera"] = {
        "value": None,
        "n": 0,
        "unit": None,
        "missing": "no face detected",
    }
    (flag,) = view(document).flags
    assert flag.words == "较长时间未看向镜头" and not re.search(r"\d", flag.words)


def test_no_face_reads_its_stretch_of_time_in_seconds():
    (flag,) = view(with_flag("NO_FACE", "difficult_customer", start=12.3, end=18.2)).flags
    assert flag.words == "第 12–18 秒画面中没有人脸"
    en = view(with_flag("NO_FACE", "difficult_customer", start=12.3, end=18.2), language="en").flags[0]
    assert en.words == "No face in view at 12–18 s"


def test_a_review_flag_for_no_face_reads_the_stretch_of_the_answers_flag():
    document = with_flag("NO_FACE", "difficult_customer", start=12.3, end=18.2)
    document["review_flags"] = [
        {"code": "NO_FACE", "question_id": "difficult_customer", "detail": "No face..."}
    ]
    assert view(document).review.reasons == ["第 2 题：第 12–18 秒画面中没有人脸"]


def test_multiple_faces_counts_the_faces_the_per_second_timeline_saw():
    document = with_flag("MULTIPLE_FACES", "difficult_customer", start=10.0, end=12.0)
    for second in question(document, "difficult_customer")["timeline"]:
        if second["t"] in (10, 11):
            second["faces_max"] = 3
    (flag,) = view(document).flags
    assert flag.words == "第 10–12 秒画面中同时出现 3 张人脸"


def test_a_short_answer_reads_its_seconds_of_speech():
    document = result()
    document["review_flags"] = [
        {"code": "SHORT_ANSWER", "question_id": "under_pressure", "detail": "9 characters"}
    ]
    speech_s = question(document, "under_pressure")["signals"]["speech"]["speech_s"]
    shown = view(document)
    assert shown.review.needed
    assert shown.review.reasons == [f"第 1 题：回答过短（约 {round(speech_s)} 秒）"]


def test_a_reused_answer_names_the_other_question_by_its_number():
    document = result()
    document["review_flags"] = [
        {"code": "REUSED_ANSWER", "question_id": "under_pressure", "detail": "the same text answers x"},
        {"code": "REUSED_ANSWER", "question_id": "difficult_customer", "detail": "the same text answers y"},
    ]
    assert view(document).review.reasons == ["第 1 题：与第 2 题的回答雷同", "第 2 题：与第 1 题的回答雷同"]


def test_the_reason_strings_of_flags_are_not_repeated_and_the_weight_reason_is_said_from_data():
    document = result()
    document["assessed_weight"] = 0.4
    document["review_flags"] = [
        {"code": "NO_ANSWER", "question_id": "difficult_customer", "detail": "no answer"}
    ]
    document["review_reasons"] = [
        "difficult_customer: NO_ANSWER (no answer)",
        "the asked questions assess 40% of the profile's competency weight (less than 50%)",
    ]
    assert view(document).review.reasons == [
        "第 2 题：未作答",
        "本次面试的题目只考察了岗位胜任力权重的 40%（低于 50%），结论需人工判断",
    ]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_flag_code_and_review_code_reads_as_a_sentence(language):
    # GIVEN every perception flag on the first answer and every review code on it
    document = result()
    document["flags"] = [
        {"code": code.value, "question_id": "under_pressure", "detail": "x", "start": 1.0, "end": 5.0}
        for code in FlagCode
    ]
    codes = sorted(set(REVIEW_LABELS) | {c.value for c in FlagCode if c is not FlagCode.SIGNAL_MISSING})
    document["review_flags"] = [{"code": c, "question_id": "under_pressure", "detail": "x"} for c in codes]
    shown = view(document, language=language)
    # THEN each is words, not a code nor a template left unfilled
    for flag in shown.flags:
        assert flag.code not in flag.words and "{" not in flag.words and flag.words.strip(), flag
    reasons = shown.review.reasons
    assert len(reasons) == len(codes)
    prefix = "第 1 题：" if language == "zh" else "Question 1: "
    for reason in reasons:
        assert (
            reason.startswith(prefix) and "{" not in reason and not re.search(r"\b[A-Z]+_[A-Z_]+\b", reason)
        )
    assert len(set(reasons)) == len(reasons)


def test_the_message_tables_have_the_same_keys_in_both_languages():
    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    assert REVIEW_LABELS_BY_LANGUAGE["zh"].keys() == REVIEW_LABELS_BY_LANGUAGE["en"].keys()


def test_the_wecom_card_still_names_review_codes_from_the_shared_table():
    assert (
        _review_line({"review_flags": [{"code": "LOOKING_AWAY"}]})
        == '<div class="highlight">需复核：长时间未看镜头</div>'
    )


# --- raw measures ------------------------------------------------------------------------------------


def raw(shown: Any, question_id: str, name: str) -> Any:
    return next(r for r in shown.raw if r.question_id == question_id and r.name == name)


def test_raw_measures_have_a_plain_label_and_their_unit():
    shown = view()
    pitch = raw(shown, "difficult_customer", "pitch_sd_semitones")
    expected = question(SAMPLE, "difficult_customer")["signals"]["speech"]["pitch_sd_semitones"]["value"]
    assert (pitch.group, pitch.label, pitch.value, pitch.unit, pitch.missing) == (
        "speech",
        "音高变化",
        expected,
        "st",
        None,
    )
    gaze = raw(view(language="en"), "under_pressure", "looking_at_camera")
    assert (gaze.group, gaze.label, gaze.unit) == ("vision", "looking at the camera", "share")


def test_missing_measures_stay_null_with_their_reason():
    hands = raw(view(), "difficult_customer", "hand_motion")
    # the measure carries no number and no unit: the row keeps null, the reason, and the known unit
    assert hands.value is None
    assert hands.missing == "hands not visible on consecutive pose frames"
    assert hands.unit == "frame widths/s"


def test_an_unknown_measure_passes_through_with_its_name_as_label():
    document = result()
    question(document, "under_pressure")["signals"]["speech"]["jitter_local"] = {
        "value": 0.012,
        "n": 100,
        "unit": "ratio",
        "missing": None,
    }
    row = raw(view(document), "under_pressure", "jitter_local")
    assert (row.label, row.value, row.unit) == ("jitter_local", 0.012, "ratio")


def test_the_judges_readings_are_raw_rows_of_the_judge_group():
    shown = view()
    level = raw(shown, "difficult_customer", "customer_focus.level")
    reading = competency(SAMPLE, "customer_focus")["judgement"]["difficult_customer"]
    assert (level.group, level.label, level.value) == ("judge", "客户导向·判定等级", reading["level"])
    kind = raw(shown, "difficult_customer", "customer_focus.kind")
    assert kind.value == reading["kind"]
    fit = raw(shown, "difficult_customer", "customer_focus.anchor_fit.5")
    assert fit.label == "客户导向·与 5 级锚点的契合度" and fit.value == reading["anchor_fit"]["5"]


# --- the contract ------------------------------------------------------------------------------------


def test_the_view_has_the_contracts_fields():
    dumped = view().model_dump(mode="json")
    assert list(dumped) == [
        "interview_id",
        "job_id",
        "job_title",
        "candidate_ref",
        "status",
        "scored_at",
        "language",
        "overall",
        "recommendation",
        "model_recommendation",
        "review",
        "competencies",
        "questions",
        "flags",
        "raw",
        "versions",
        "decision",
        "pushed_to",
        "comments",
        "viewer",
    ]
    assert dumped["job_title"] == "客服专员" and dumped["candidate_ref"] == "C-2026-0007"
    assert dumped["versions"]["rubric"] == "customer-service@v1" and dumped["versions"]["judge_model"]
    assert dumped["decision"] is None and dumped["pushed_to"] == [] and dumped["comments"] == []
    assert dumped["viewer"] == {"role": "hr", "can_override": False, "can_push": False}
    assert set(dumped["competencies"][0]) == {
        "id",
        "name",
        "weight",
        "assessed",
        "score",
        "level",
        "anchor",
        "reason",
        "strengths",
        "gaps",
        "evidence",
    }
    assert set(dumped["questions"][0]) == {
        "question_id",
        "text",
        "answer",
        "media_url",
        "transcript",
        "start",
        "end",
    }


def test_the_routes_parts_are_validated_into_the_view_from_dicts_or_models():
    from pydantic import BaseModel

    class Author(BaseModel):  # a model of the workspace's own, as the route has them
        user_id: str
        name: str
        role: str

    shown = view().with_workspace(
        decision={
            "decision": "hold",
            "by": Author(user_id="lisi", name="李四", role="manager"),
            "at": AT,
            "reason": "r",
        },
        pushed_to=[{"user_id": "lisi", "name": "李四", "at": AT}],
        comments=[
            {
                "id": "c-1",
                "author": Author(user_id="lisi", name="李四", role="manager"),
                "text": "好",
                "at": AT,
            }
        ],
        viewer={"role": "manager", "can_override": False, "can_push": False},
    )
    dumped = shown.model_dump(mode="json", warnings="error")
    assert dumped["decision"]["by"] == {"user_id": "lisi", "name": "李四", "role": "manager"}
    assert dumped["comments"][0]["text"] == "好" and dumped["viewer"]["role"] == "manager"
    assert dumped["competencies"] == view().model_dump(mode="json")["competencies"]
    with pytest.raises(TypeError):
        view().with_workspace(recommendation="advance")
