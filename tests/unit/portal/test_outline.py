"""The second interview's outline, from a real result document (see test_report_view's module doc) and the
customer-service profile: the largest gaps, the follow-up questions with their sources, the résumé lines."""

from __future__ import annotations

import copy
import json
from typing import Any

from jiping.domain.profiles import BUNDLED_DIR, load_profile
from jiping.portal.outline import TARGET_LEVEL, gap_question, outline, terms

from tests.conftest import REPO

SAMPLE = json.loads((REPO / "tests" / "fixtures" / "result_timeline.json").read_text(encoding="utf-8"))
PROFILE = load_profile(BUNDLED_DIR / "customer-service.yaml")
RESUME = "\n".join(
    [
        "张三",
        "2021-2023 某银行客服中心 组长",
        "负责投诉处理，安抚情绪激动的客户，保持冷静并化解冲突",
        "熟练使用 Excel、SQL",
        "",
        "带领 8 人团队，客户满意度从 85% 提升到 95%",
    ]
)


def result() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE)


def competency(document: dict[str, Any], competency_id: str) -> dict[str, Any]:
    return next(c for c in document["competencies"] if c["id"] == competency_id)


def every_question(made: Any) -> list[Any]:
    return [q for f in made.focus for q in f.questions]


def test_the_focus_is_the_assessed_competencies_with_the_largest_weighted_gap():
    # GIVEN emotional_control at level 2 (weight 0.2), problem_solving at 3 (0.3), customer_focus at 4 (0.3)
    # and communication not assessed
    made = outline(result(), PROFILE, None, language="zh")
    # THEN 0.2 × (4 − 2) = 0.4 comes before 0.3 × (4 − 3) = 0.3 and 0.3 × (4 − 4) = 0
    assert [(f.competency_id, f.level, f.target_level) for f in made.focus] == [
        ("emotional_control", 2, TARGET_LEVEL),
        ("problem_solving", 3, TARGET_LEVEL),
        ("customer_focus", 4, TARGET_LEVEL),
    ]
    assert made.interview_id == "iv-timeline" and made.job_title == "客服专员"
    assert made.focus[0].gap == "未体现：控制自身情绪，保持礼貌，客户情绪基本平复"


def test_focus_limits_how_many_competencies_are_proposed():
    assert [f.competency_id for f in outline(result(), PROFILE, None, language="zh", focus=1).focus] == [
        "emotional_control"
    ]


def test_a_gap_behaviour_becomes_a_behavioural_question_from_the_evaluation_gap():
    made = outline(result(), PROFILE, None, language="zh")
    solving = next(f for f in made.focus if f.competency_id == "problem_solving")
    first = solving.questions[0]
    assert first.text == "请讲一次你快速查明根因的经历：当时的情况、你具体做了什么、结果如何？"
    assert (first.source, first.source_label) == ("evaluation_gap", "评估缺口：等级5")
    assert [q.source for q in solving.questions] == ["evaluation_gap", "evaluation_gap", "question_bank"]


def test_a_leading_can_or_and_of_an_anchor_behaviour_does_not_follow_you():
    assert gap_question("并通过回访确认客户满意", "zh").startswith("请讲一次你通过回访确认客户满意的经历")
    assert gap_question("能控制自身情绪", "zh").startswith("请讲一次你控制自身情绪的经历")
    english = gap_question("Listens fully, then restates", "zh")
    assert english.startswith("请讲一次体现「Listens fully, then restates」的经历")


def test_the_bank_question_the_interview_already_asked_comes_after_the_ones_it_did_not():
    # GIVEN problem_solving is the largest gap and has no evaluation gaps to ask about
    document = result()
    solving = competency(document, "problem_solving")
    solving["level"], solving["gaps"] = 1, []
    made = outline(document, PROFILE, None, language="zh", focus=1)
    (focus,) = made.focus
    # THEN complex_issue (not asked) comes before difficult_customer (asked in this interview)
    assert [(q.source, q.source_label) for q in focus.questions] == [
        ("question_bank", "题库：complex_issue"),
        ("question_bank", "题库：difficult_customer（本次已问）"),
    ]
    assert focus.questions[0].text == PROFILE.question("complex_issue").text  # type: ignore[union-attr]


def test_the_profiles_practice_questions_are_never_proposed():
    practice = {q.text for q in PROFILE.practice_questions} | {q.text_en for q in PROFILE.practice_questions}
    for language in ("zh", "en"):
        made = outline(result(), PROFILE, RESUME, language=language, per_competency=10)
        assert not practice & {q.text for q in every_question(made)}


def test_no_question_is_proposed_twice():
    made = outline(result(), PROFILE, RESUME, language="zh", per_competency=10)
    texts = [q.text for q in every_question(made)]
    assert len(texts) == len(set(texts)) and len(texts) > 6
    banks = [q.source_label for q in every_question(made) if q.source == "question_bank"]
    assert len(banks) == len(set(banks))


def test_resume_lines_that_bear_on_a_competency_are_shown_with_their_line_numbers():
    made = outline(result(), PROFILE, RESUME, language="zh")
    assert made.resume_supplied
    emotional = made.focus[0]
    assert [(r.line, r.text) for r in emotional.resume_lines][0] == (
        3,
        "负责投诉处理，安抚情绪激动的客户，保持冷静并化解冲突",
    )
    focus = next(f for f in made.focus if f.competency_id == "customer_focus")
    assert (6, "带领 8 人团队，客户满意度从 85% 提升到 95%") in [(r.line, r.text) for r in focus.resume_lines]
    assert all(len(f.resume_lines) <= 3 for f in made.focus)
    # a line about tools shares nothing with these competencies
    assert all(r.line != 4 for f in made.focus for r in f.resume_lines)


def test_a_relevant_resume_line_adds_a_question_with_the_resume_as_source():
    made = outline(result(), PROFILE, RESUME, language="zh")
    emotional = made.focus[0]
    last = emotional.questions[-1]
    assert (last.source, last.source_label) == ("resume", "简历第3行")
    assert last.text == (
        "简历中提到「负责投诉处理，安抚情绪激动的客户，保持冷静并化解冲突」，请具体讲讲你在其中负责什么、遇到的最大困难是什么？"
    )
    assert len(emotional.questions) == 3 and emotional.questions[0].source == "evaluation_gap"


def test_without_a_resume_nothing_is_said_about_one():
    made = outline(result(), PROFILE, None, language="zh")
    assert made.resume_supplied is False
    assert all(f.resume_lines == [] for f in made.focus)
    assert "resume" not in {q.source for q in every_question(made)}
    assert made.minutes == 3 * len(every_question(made))


def test_an_english_outline_uses_english_templates_and_question_texts():
    document = result()
    solving = competency(document, "problem_solving")
    solving["level"], solving["gaps"] = 1, [{"level": 3, "text": "能按流程查明原因并解决常见问题"}]
    made = outline(document, PROFILE, None, language="en", focus=1)
    gap, bank = made.focus[0].questions[:2]
    assert gap.text.startswith("Tell us about a time you showed this: “按流程查明原因并解决常见问题”.")
    assert gap.source_label == "Evaluation gap: level 3"
    assert bank.text == PROFILE.question("complex_issue").text_en  # type: ignore[union-attr]
    assert made.focus[0].gap == "Not shown: 按流程查明原因并解决常见问题"


def test_terms_are_character_bigrams_and_whole_words():
    assert terms("情绪管理") == {"情绪", "绪管", "管理"}
    assert terms("Handled an angry customer") == {"handled", "angry", "customer"}
