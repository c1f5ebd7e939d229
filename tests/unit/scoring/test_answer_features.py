"""Answer text features: strong, vague and off-topic answers in Mandarin and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jiping.scoring.features import OFF_TOPIC_THRESHOLD, AnswerFeatures, analyze_answer, stem

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / ".cache" / "models"
SAMPLE = {c["id"]: c for c in json.loads((ROOT / "events/media/sample_interview.json").read_text())}

Q_ZH = SAMPLE["q1_zh"]["question"]  # 请讲一次你处理难缠客户的经历。
Q_EN = SAMPLE["q2_en"]["question"]  # Describe a project where you made a measurable impact.
COMP_ZH = {"customer_focus": ["耐心", "倾听", "客户满意", "解决问题"], "ownership": ["主动", "负责", "跟进"]}
COMP_EN = {
    "impact": ["measurable result", "reduce", "automate", "improve"],
    "leadership": ["lead a team", "take ownership"],
}

ANSWERS = {
    "zh": {
        "strong": SAMPLE["q1_zh"]["spoken_text"],
        "vague": "我们平时工作中经常会遇到各种各样的人。我们觉得沟通很重要，会先听听对方的想法，态度要好，最后一般问题都能解决。",
        "off_topic": "我最喜欢的节日是春节。每年过年我都会回老家，和家人一起包饺子、看春晚，还会去亲戚家拜年。",
    },
    "en": {
        "strong": SAMPLE["q2_en"]["spoken_text"],
        "vague": (
            "We usually work hard as a team on our projects. We try to improve things and communicate well, "
            "we test a lot, and in the end the results are usually good."
        ),
        "off_topic": (
            "My favourite holiday is Christmas. Every year I travel home to see my family, we decorate the "
            "tree and eat a big dinner together."
        ),
    },
}
SETUP = {"zh": (Q_ZH, COMP_ZH), "en": (Q_EN, COMP_EN)}


@pytest.fixture(scope="module")
def encoder():
    from jiping.scoring.encoder import load_encoder

    # make setup fetches it; a missing model fails here with the command to run (no network in unit tests)
    return load_encoder(cache_dir=CACHE, allow_fetch=False)


def analyze(lang: str, kind: str, encoder) -> AnswerFeatures:
    question, competencies = SETUP[lang]
    return analyze_answer(ANSWERS[lang][kind], lang, question, competencies, encoder)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_strong_beats_vague_beats_off_topic_on_relevance_star_and_specificity(lang: str, encoder) -> None:
    strong, vague, off = (analyze(lang, k, encoder) for k in ("strong", "vague", "off_topic"))
    assert (
        strong.relevance_to_question.value
        > vague.relevance_to_question.value
        > off.relevance_to_question.value
    )
    assert strong.star.score.value > vague.star.score.value > off.star.score.value
    assert strong.specificity.score.value > vague.specificity.score.value > off.specificity.score.value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_off_topic_answer_is_detected_and_strong_one_is_not(lang: str, encoder) -> None:
    off = analyze(lang, "off_topic", encoder)
    strong = analyze(lang, "strong", encoder)
    assert off.is_off_topic
    assert off.relevance_to_question.value < OFF_TOPIC_THRESHOLD
    assert "no indicator phrase" in off.off_topic_reason
    assert not strong.is_off_topic
    assert not analyze(lang, "vague", encoder).is_off_topic


def test_strong_mandarin_sample_shows_star_cues_and_owns_its_actions(encoder) -> None:
    f = analyze("zh", "strong", encoder)
    assert (f.star.situation, f.star.action, f.star.result) == (True, True, True)
    assert "上个月" in f.star.cues["situation"]
    assert f.indicator_hits["customer_focus"] == ["耐心"]
    assert f.specificity.action_verbs.value >= 4  # 听 查 安排 补发
    assert f.specificity.ownership.value == 0.5  # 我先… vs 给了我们好评
    assert f.tokens.value == f.tokens.n > 20
    assert f.encoder is not None and f.encoder.startswith("use-multilingual-v3")


def test_strong_english_sample_counts_number_words_and_irregular_verbs(encoder) -> None:
    f = analyze("en", "strong", encoder)
    assert f.specificity.numbers.value == 3  # four, two, three
    assert f.indicator_hits["leadership"] == ["lead a team"]  # "led a team"
    assert f.indicator_hits["impact"] == ["automate"]  # "automating"


def test_negated_indicator_does_not_count() -> None:
    # Given an answer that says the candidate had no patience
    f = analyze_answer("我没有耐心，客户也不满意。", "zh", Q_ZH, {"c": ["耐心", "满意"]}, None)
    # Then neither 耐心 nor 满意 counts, and both are reported as negated
    assert f.indicator_coverage["c"].value == 0
    assert f.negated_indicators["c"] == ["耐心", "满意"]
    # while the plain statement counts
    assert (
        analyze_answer("我很有耐心。", "zh", Q_ZH, {"c": ["耐心"]}, None).indicator_coverage["c"].value == 1
    )


def test_english_negation_within_three_words_does_not_count() -> None:
    f = analyze_answer("I didn't really listen to them.", "en", Q_EN, {"c": ["listen"]}, None)
    assert f.indicator_coverage["c"].value == 0
    g = analyze_answer("I didn't panic. I listened to them.", "en", Q_EN, {"c": ["listen"]}, None)
    assert g.indicator_coverage["c"].value == 1  # the negation is in the previous sentence


@pytest.mark.parametrize("text", ["", "   ", "。，！", "..."])
def test_empty_answer_gives_absent_measures_with_a_reason(text: str) -> None:
    f = analyze_answer(text, "zh", Q_ZH, COMP_ZH, None)
    assert f.is_empty and f.empty_reason
    assert not f.is_off_topic
    for measure in (
        f.relevance_to_question,
        f.star.score,
        f.specificity.score,
        f.specificity.numbers,
        *f.indicator_coverage.values(),
        *f.relevance_to_competency.values(),
    ):
        assert measure.value is None and measure.missing


def test_without_encoder_relevance_is_absent_and_off_topic_not_judged() -> None:
    f = analyze_answer(ANSWERS["zh"]["off_topic"], "zh", Q_ZH, COMP_ZH, None)
    assert f.relevance_to_question.missing == "no sentence encoder"
    assert not f.is_off_topic and f.off_topic_reason.startswith("not judged")


def test_chinese_numbers_exclude_bare_yi_and_count_percentages() -> None:
    f = analyze_answer("有一次我用两周把投诉率降低了30%，处理了三百个工单。", "zh", Q_ZH, {}, None)
    assert f.specificity.numbers.value == 3  # 两周, 30%, 三百个 — not 一次


def test_traditional_chinese_is_read_as_simplified() -> None:
    f = analyze_answer("我沒有耐心。", "zh", Q_ZH, {"c": ["耐心"]}, None)
    assert f.negated_indicators == {"c": ["耐心"]}


def test_stemmer_unifies_common_inflections() -> None:
    assert stem("communicated") == stem("communicating") == stem("communicate")
    assert stem("projects") == stem("project")
    assert stem("led") == stem("lead")


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("我当天安排了补发。", "安排补发", (True, False)),
        ("我以前处理过投诉。", "处理投诉", (True, False)),
        ("我没有安排了补发。", "安排补发", (False, True)),  # negation still holds on the second pass
        ("他们安排补发了吗", "安排补发", (True, False)),
        ("我安排了人补发。", "安排补发", (False, False)),  # a real word between is not an aspect particle
    ],
)
def test_aspect_particles_do_not_hide_a_chinese_indicator(text, phrase, expected) -> None:
    from jiping.perception.text import segment
    from jiping.scoring.features import _find_zh

    assert _find_zh(segment(text, "zh"), phrase) == expected
