"""Competency scoring: the model's build, the ordering strong > vague > off-topic, evidence, reasons,
review, fairness, and a profile written in the test."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
from jiping.domain.answers import AnswerAnalysis, AnswerTranscript
from jiping.domain.measures import Flag, FlagCode
from jiping.domain.models import Segment, Word
from jiping.domain.profiles import JobProfile, Recommendation, bundled_profiles, profile_from_text
from jiping.scoring.answers import answer_features_for
from jiping.scoring.results import MODEL_DIR, SCORING_MODEL_VERSION, ScoreResult
from jiping.scoring.v1 import load_scoring_model, score_interview

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / ".cache" / "models"
SAMPLE = {c["id"]: c for c in json.loads((ROOT / "events/media/sample_interview.json").read_text())}

ZH = {
    "strong": SAMPLE["q1_zh"]["spoken_text"],
    "vague": "我们平时工作中经常会遇到各种各样的人。我们觉得沟通很重要，会先听听对方的想法，态度要好，最后一般问题都能解决。",
    "off_topic": "我最喜欢的节日是春节。每年过年我都会回老家，和家人一起包饺子、看春晚，还会去亲戚家拜年。",
}
EN = {
    "strong": SAMPLE["q2_en"]["spoken_text"],
    "vague": (
        "We usually work hard as a team on our projects. We try to improve things and communicate well, "
        "we test a lot, and in the end the results are usually good."
    ),
    "off_topic": (
        "My favourite holiday is Christmas. Every year I travel home to see my family, we decorate the "
        "tree and eat a big dinner together."
    ),
}

EN_PROFILE = """
id: support-en
title: Support agent
language: en
version: 2
competencies:
  - id: calm
    name: Composure
    weight: 1
    description: Stays calm with upset customers.
    indicators: {en: [stayed calm, patient, listened, angry customer]}
    anchors: {1: Loses temper., 3: Stays polite., 5: Calms the customer down.}
  - id: fixing
    name: Fixing things
    weight: 2
    description: Finds the cause and solves it.
    indicators: {en: [checked the records, found the cause, refund, replacement, same day]}
    anchors: {1: Passes it on., 3: Solves common issues., 5: Finds root causes fast.}
questions:
  - id: angry
    text: Tell us about a time you handled an angry customer.
    competencies: [calm, fixing]
thresholds: {advance: 70, review: 50}
"""
EN_ANGRY = (
    "Last month an angry customer called because his order was two weeks late. I stayed calm and "
    "listened until he finished. Then I checked the records, found the cause in the warehouse and "
    "arranged a replacement the same day. In the end he was satisfied and thanked me."
)


@pytest.fixture(scope="module")
def encoder():
    from jiping.scoring.encoder import load_encoder

    return load_encoder(cache_dir=CACHE, allow_fetch=False)


@pytest.fixture(scope="module")
def profiles() -> dict[str, JobProfile]:
    return bundled_profiles()


def answer(question_id: str, text: str, language: str, asr: float = 0.95) -> AnswerAnalysis:
    """A hand-built transcript: one word per hanzi (zh) or per space-led word (en), 0.3 s each,
    a 1 s pause after each sentence; punctuation stays on the word before it."""
    pieces = re.findall(r"[^\W_][^\w]*|\s*\S+", text) if language == "zh" else re.findall(r"\s*\S+", text)
    words, t = [], 0.0
    for i, piece in enumerate(pieces):
        piece = piece if language == "zh" or i else piece.lstrip()
        words.append(Word(start=round(t, 2), end=round(t + 0.3, 2), word=piece, probability=asr))
        t += 1.3 if piece.rstrip().endswith(tuple("。！？.!?")) else 0.3
    seg_text = "".join(w.word for w in words).strip()
    segment = Segment(
        id=0,
        start=words[0].start,
        end=words[-1].end,
        text=seg_text,
        avg_logprob=-0.1,
        no_speech_prob=0.0,
        compression_ratio=1.2,
        words=words,
    )
    speech = {
        "question_id": question_id,
        "language": language,
        "asr_confidence": {"value": asr, "n": len(words), "unit": "probability"},
    }
    return AnswerAnalysis(
        question_id=question_id,
        media_id="m",
        start=0.0,
        end=t,
        transcript=AnswerTranscript(language=language, text=seg_text, segments=[segment]),
        speech=speech,
    )


def score(profile: JobProfile, answers: list[AnswerAnalysis], encoder) -> ScoreResult:
    return score_interview(profile, answers, answer_features_for(profile, answers, encoder), encoder=encoder)


def only(profile: JobProfile, question_id: str) -> JobProfile:
    """The profile with one question, and only the competencies it probes (so nothing is unanswered)."""
    question = next(q for q in profile.questions if q.id == question_id)
    comps = [c for c in profile.competencies if c.id in question.competencies]
    return profile.model_copy(update={"questions": [question], "competencies": comps})


def by_id(result: ScoreResult) -> dict[str, float | None]:
    return {c.id: c.score for c in result.competencies}


# --- the model ----------------------------------------------------------------------------------


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_scoring_model", ROOT / "scripts/build_scoring_model.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_building_the_model_twice_gives_identical_bytes_equal_to_the_shipped_ones(tmp_path: Path) -> None:
    build = _build_module()
    first, card1 = build.build(tmp_path / "a")
    second, card2 = build.build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert card1.read_text() == card2.read_text()
    assert first.read_bytes() == (MODEL_DIR / f"{SCORING_MODEL_VERSION}.onnx").read_bytes()
    assert card1.read_text() == (MODEL_DIR / f"{SCORING_MODEL_VERSION}.json").read_text()
    assert first.stat().st_size < 8192


def test_shipped_onnx_matches_the_sha256_in_its_card() -> None:
    card = json.loads((MODEL_DIR / f"{SCORING_MODEL_VERSION}.json").read_text())
    data = (MODEL_DIR / f"{SCORING_MODEL_VERSION}.onnx").read_bytes()
    assert hashlib.sha256(data).hexdigest() == card["sha256"]
    assert load_scoring_model().label == f"{SCORING_MODEL_VERSION}@sha256:{card['sha256'][:12]}"


# --- ordering -----------------------------------------------------------------------------------


def test_strong_beats_vague_beats_off_topic_on_every_competency_in_mandarin(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    got = {k: by_id(score(profile, [answer("difficult_customer", t, "zh")], encoder)) for k, t in ZH.items()}
    for cid in ("emotional_control", "customer_focus", "problem_solving"):
        assert got["strong"][cid] > got["vague"][cid] > got["off_topic"][cid], (cid, got)


def test_strong_beats_vague_beats_off_topic_on_every_competency_in_english(profiles, encoder) -> None:
    profile = only(profiles["software-engineer"], "measurable_impact")
    got = {k: by_id(score(profile, [answer("measurable_impact", t, "en")], encoder)) for k, t in EN.items()}
    for cid in ("impact", "collaboration"):
        assert got["strong"][cid] > got["vague"][cid] > got["off_topic"][cid], (cid, got)


# --- evidence and reason ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evidence_quotes_are_exact_spans_with_their_word_times(profiles, encoder, lang) -> None:
    profile, qid, text = (
        (only(profiles["customer-service"], "difficult_customer"), "difficult_customer", ZH["strong"])
        if lang == "zh"
        else (only(profiles["software-engineer"], "measurable_impact"), "measurable_impact", EN["strong"])
    )
    a = answer(qid, text, lang)
    result = score(profile, [a], encoder)
    words = a.transcript.segments[0].words
    for competency in result.competencies:
        assert 1 <= len(competency.evidence) <= 3
        for quote in competency.evidence:
            assert quote.text in a.transcript.text
            first = next(w for w in words if w.start == quote.start)
            last = next(w for w in words if w.end == quote.end)
            span = "".join(w.word for w in words[words.index(first) : words.index(last) + 1]).strip()
            assert span == quote.text


def test_problem_solving_evidence_quotes_the_replacement_sentence(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    result = score(profile, [answer("difficult_customer", ZH["strong"], "zh")], encoder)
    solving = next(c for c in result.competencies if c.id == "problem_solving")
    assert "安排了补发" in solving.evidence[0].text


def test_reason_quotes_the_evidence_and_contributions_sum_to_the_score(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    result = score(profile, [answer("difficult_customer", ZH["strong"], "zh")], encoder)
    for competency in result.competencies:
        assert competency.reason.startswith("评估理由：")
        quoted = re.findall(r"“([^”]+)”", competency.reason)
        assert any(q in e.text for q in quoted for e in competency.evidence), competency.reason
        assert sum(competency.contributions.values()) == pytest.approx(competency.score, abs=0.2)
        assert competency.level == min(5, 1 + int(competency.score // 20))
    assert result.versions.rubric == "customer-service@v1"
    assert result.versions.scoring_model.startswith("scoring-v1@sha256:")
    assert result.versions.encoder


# --- review -------------------------------------------------------------------------------------


def test_a_clean_strong_answer_is_not_sent_to_review(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    result = score(profile, [answer("difficult_customer", ZH["strong"], "zh")], encoder)
    assert result.review_reasons == []
    assert result.overall_score is not None
    assert result.recommendation == profile.thresholds.recommend(result.overall_score)


def test_an_integrity_flag_forces_review_with_the_reason(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    a = answer("difficult_customer", ZH["strong"], "zh")
    a.flags.append(Flag(code=FlagCode.MULTIPLE_FACES, detail="2 faces for 4 s", question_id=a.question_id))
    result = score(profile, [a], encoder)
    assert result.recommendation == Recommendation.REVIEW
    assert any("MULTIPLE_FACES" in r for r in result.review_reasons)


def test_a_probed_question_with_no_answer_and_low_asr_confidence_force_review(profiles, encoder) -> None:
    profile = profiles["customer-service"]
    result = score(profile, [answer("difficult_customer", ZH["strong"], "zh", asr=0.4)], encoder)
    assert result.recommendation == Recommendation.REVIEW
    assert any(r.startswith("explain_policy: no answer") for r in result.review_reasons)
    assert any("ASR confidence 0.40" in r for r in result.review_reasons)


def test_an_off_topic_answer_forces_review(profiles, encoder) -> None:
    profile = only(profiles["customer-service"], "difficult_customer")
    result = score(profile, [answer("difficult_customer", ZH["off_topic"], "zh")], encoder)
    assert result.recommendation == Recommendation.REVIEW
    assert any("off-topic" in r for r in result.review_reasons)


def test_competencies_no_asked_question_probes_are_not_assessed_and_stay_out_of_the_overall(
    profiles,
    encoder,
) -> None:
    profile = profiles["customer-service"]
    answers = [answer("difficult_customer", ZH["strong"], "zh")]
    features = answer_features_for(profile, answers, encoder)
    result = score_interview(profile, answers, features, asked=["difficult_customer"], encoder=encoder)
    probed = set(next(q for q in profile.questions if q.id == "difficult_customer").competencies)
    weights = profile.normalised_weights()
    assessed = [c for c in result.competencies if c.assessed]
    assert {c.id for c in assessed} == probed
    for c in result.competencies:
        if c.id not in probed:
            assert (c.score, c.level, c.evidence) == (None, None, [])
            assert "未评估" in c.reason
    share = sum(weights[c.id] for c in assessed)
    assert result.assessed_weight == pytest.approx(share, abs=1e-3)
    expected = sum(weights[c.id] * c.score for c in assessed) / share
    assert result.overall_score == pytest.approx(expected, abs=0.06)
    assert not any("no answer" in r for r in result.review_reasons)
    # asked but unanswered is different: assessed, 0, and review
    everything = score_interview(profile, answers, features, encoder=encoder)
    assert all(c.assessed for c in everything.competencies)
    assert everything.overall_score < result.overall_score
    assert everything.recommendation == Recommendation.REVIEW


def test_an_interview_assessing_under_half_the_weight_is_sent_to_review(encoder) -> None:
    text = EN_PROFILE.replace("weight: 2", "weight: 3").replace(
        "competencies: [calm, fixing]", "competencies: [calm]"
    )
    text += """  - id: root
    text: Tell us how you found the cause of a recurring problem.
    competencies: [fixing]
"""
    profile = profile_from_text(
        text.replace("thresholds: {advance: 70, review: 50}\n", "")
        + "thresholds: {advance: 70, review: 50}\n",
        "yaml",
    )
    answers = [answer("angry", EN_ANGRY, "en")]
    result = score_interview(
        profile, answers, answer_features_for(profile, answers, encoder), asked=["angry"], encoder=encoder
    )
    assert [c.assessed for c in result.competencies] == [True, False]
    assert result.assessed_weight == pytest.approx(0.25)
    assert result.overall_score == result.competencies[0].score
    assert result.recommendation == Recommendation.REVIEW
    assert any("25% of the profile" in r for r in result.review_reasons)


# --- fairness -----------------------------------------------------------------------------------


def _max_move(profile, qid, lang, a_text, b_text, encoder) -> float:
    a = by_id(score(profile, [answer(qid, a_text, lang)], encoder))
    b = by_id(score(profile, [answer(qid, b_text, lang)], encoder))
    return max(abs(a[c] - b[c]) for c in a)


def test_names_gendered_words_and_fillers_move_no_score_by_more_than_a_point(profiles, encoder) -> None:
    zh = only(profiles["customer-service"], "difficult_customer")
    en = only(profiles["software-engineer"], "measurable_impact")
    strong_zh, strong_en = ZH["strong"], EN["strong"]
    cases = [
        (zh, "zh", "我叫王芳。" + strong_zh, "我叫李强。" + strong_zh),
        (zh, "zh", strong_zh, strong_zh.replace("他", "她")),
        (zh, "zh", strong_zh, "嗯，" + strong_zh.replace("。我先", "。啊，我先")),
        (en, "en", "My name is Emily. " + strong_en, "My name is James. " + strong_en),
        (en, "en", "He said " + strong_en, "She said " + strong_en),
        (en, "en", strong_en, "Um, " + strong_en.replace(". We cut", ". Uh, we cut")),
    ]
    for profile, lang, a_text, b_text in cases:
        qid = profile.questions[0].id
        assert _max_move(profile, qid, lang, a_text, b_text, encoder) <= 1.0, (a_text, b_text)


# --- a new profile ------------------------------------------------------------------------------


def test_a_profile_written_in_the_test_scores_with_no_code_change(encoder) -> None:
    profile = profile_from_text(EN_PROFILE, "yaml", "test")
    strong = score(profile, [answer("angry", EN_ANGRY, "en")], encoder)
    vague = score(profile, [answer("angry", EN["vague"], "en")], encoder)
    assert [c.id for c in strong.competencies] == ["calm", "fixing"]
    for s, v in zip(strong.competencies, vague.competencies, strict=True):
        assert s.score > v.score
        assert s.reason.startswith("Reason: ")
    assert strong.versions.rubric == "support-en@v2"
    assert "stayed calm" in strong.competencies[0].evidence[0].text
