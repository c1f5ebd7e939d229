"""The real judge (checks, the language model, grounding, the shipped calibration) on a fixed subset of the
graded corpus: two questions, one Chinese and one English, every kind of answer. ``make eval`` runs the
whole corpus and reports the agreement figures; this holds the lines that must never move."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from jiping.scoring.judge.calibration import load_calibration, score_of
from jiping.scoring.judge.kinds import GamingCode

from bench.graded import GAMING, REPO, load_corpus, question_text
from bench.judge_eval import CachedModel, judge_corpus, swap_gender

pytestmark = [pytest.mark.slow, pytest.mark.real_judge]
QUESTIONS = {("customer-service", "difficult_customer"), ("project-manager", "slipping_schedule")}
WE_PAIRS = {("project-manager", "slipping_schedule")}
SWAPPED = ("customer-service", "difficult_customer")  # its honest answers at levels 1-5, swapped
WORDS = GAMING - {"bad_story"}  # the gaming classes made of words (a bad story told well: see the last test)
FLAG = {
    "keyword_list": GamingCode.KEYWORD_LIST,
    "echo": GamingCode.ECHOED_QUESTION,
    "numbers": GamingCode.NUMBERS_WITHOUT_STORY,
    "injection": GamingCode.SCORER_INSTRUCTION,
    "buzzword": GamingCode.NO_NARRATIVE,
}


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    from jiping.scoring.encoder import load_encoder
    from jiping.scoring.judge.llm import load_judge_model

    models = REPO / ".cache" / "models"
    model = CachedModel(
        load_judge_model(cache_dir=models, allow_fetch=False),
        Path(tmp_path_factory.mktemp("judge")) / "readings.json",
    )
    encoder = load_encoder(None, models, False)
    profiles, answers = load_corpus()
    # what the tests below assert on (the strong kinds only as the "we" pair; the other-language answers are
    # a check of the deterministic layer, made without the model in their own test)
    subset = [
        a
        for a in answers
        if (a.profile, a.question) in QUESTIONS
        and a.kind not in ("short", "plain_words", "off_language")
        and not (a.kind == "we_heavy" and (a.profile, a.question) not in WE_PAIRS)
        and not (
            a.kind == "honest"
            and (a.profile, a.question) != SWAPPED
            and a.levels[next(iter(a.levels))] in (2, 4)
        )
    ]
    swapped = [
        replace(a, id=a.id + "#swapped", text=swap_gender(a.text, a.language))
        for a in subset
        if a.kind == "honest" and (a.profile, a.question) == SWAPPED
    ]
    swapped = [a for a in swapped if a.text != next(b for b in subset if b.id + "#swapped" == a.id).text]
    pairs = [a for a in subset if (a.profile, a.question) in WE_PAIRS and a.i_variant]
    variants = [replace(a, id=a.id + "#i", text=a.i_variant) for a in pairs]
    everything = subset + swapped + variants
    out = judge_corpus(profiles, everything, load_calibration(), model, encoder, progress=False)
    return {"answers": {a.id: a for a in everything}, "judged": out, "profiles": profiles, "model": model}


def scores(world, answer_id: str) -> dict[str, float]:
    j = world["judged"][answer_id]
    return {c.competency_id: score_of(c.level) for c in j.competencies}


def test_every_gaming_answer_scores_below_the_generic_answer_on_every_competency(judged) -> None:
    for profile, question in QUESTIONS:
        generic = next(
            a
            for a in judged["answers"].values()
            if (a.profile, a.question, a.kind) == (profile, question, "generic")
        )
        base = scores(judged, generic.id)
        assert all(40 <= s <= 65 for s in base.values()), (generic.id, base)  # the centre of the scale
        for a in judged["answers"].values():
            if (a.profile, a.question) == (profile, question) and a.kind in WORDS and "#" not in a.id:
                mine = scores(judged, a.id)
                assert all(mine[c] < base[c] for c in mine), (a.id, mine, base)


def test_no_gaming_answer_could_advance_and_each_is_flagged_with_its_code(judged) -> None:
    for a in judged["answers"].values():
        if a.kind not in WORDS or "#" in a.id:
            continue
        profile = judged["profiles"][a.profile]
        j = judged["judged"][a.id]
        assert all(score_of(c.level) < profile.thresholds.advance for c in j.competencies), a.id
        if a.kind in FLAG:
            assert FLAG[a.kind] in [f.code for f in j.flags], (a.id, [f.code for f in j.flags])


def test_an_english_answer_to_a_chinese_profile_is_flagged_and_the_reverse_too() -> None:
    from jiping.scoring.judge.checks import check_answer, language_mismatch

    profiles, answers = load_corpus()
    off = [a for a in answers if a.kind == "off_language" and (a.profile, a.question) in QUESTIONS]
    assert off
    for a in off:
        profile = profiles[a.profile]
        checks = check_answer(a.text, question_text(profile, a.question, a.language))
        flag = language_mismatch(profile.language, checks)
        assert flag is not None and flag.code is GamingCode.LANGUAGE_MISMATCH, a.id


def test_honest_accounts_keep_their_order_from_level_1_to_level_5(judged) -> None:
    for profile, question in QUESTIONS:
        honest = {
            a.levels[next(iter(a.levels))]: a
            for a in judged["answers"].values()
            if (a.profile, a.question, a.kind) == (profile, question, "honest") and "#" not in a.id
        }
        mean = {lv: sum(scores(judged, a.id).values()) / len(a.levels) for lv, a in honest.items()}
        assert mean[1] < mean[3] < mean[5], (question, mean)
        bad = next(
            a
            for a in judged["answers"].values()
            if (a.profile, a.question, a.kind) == (profile, question, "bad_story")
        )
        assert sum(scores(judged, bad.id).values()) / len(bad.levels) < mean[5], question


def test_swapping_pronouns_gendered_words_and_names_moves_no_score_by_more_than_2_points(judged) -> None:
    moved = {}
    for a in judged["answers"].values():
        if a.id.endswith("#swapped"):
            base = a.id.removesuffix("#swapped")
            before, after = scores(judged, base), scores(judged, a.id)
            moved[base] = max(abs(before[c] - after[c]) for c in before)
    levels = {judged["answers"][b].levels[next(iter(judged["answers"][b].levels))] for b in moved}
    assert levels == {1, 2, 3, 4, 5} and max(moved.values()) <= 2.0, moved  # at every level


def test_we_instead_of_i_moves_no_score_by_more_than_5_points_when_own_actions_are_stated(judged) -> None:
    pairs = [a for a in judged["answers"].values() if a.id.endswith("#i")]
    assert len(pairs) == 1
    for a in pairs:
        we, i = scores(judged, a.id.removesuffix("#i")), scores(judged, a.id)
        assert max(abs(we[c] - i[c]) for c in we) <= 5.0, (a.id, we, i)


def test_the_judgement_is_the_same_every_time(judged) -> None:
    from jiping.scoring.judge.llm import load_judge_model

    a = next(a for a in judged["answers"].values() if a.kind == "honest" and "#" not in a.id)
    profile = judged["profiles"][a.profile]
    question = next(q for q in profile.questions if q.id == a.question)
    model = load_judge_model(cache_dir=REPO / ".cache" / "models", allow_fetch=False)
    from jiping.scoring.judge.anchors import elements, neutral
    from jiping.scoring.judge.checks import check_answer

    story = neutral(check_answer(a.text, question_text(profile, a.question, a.language)).judged_text())
    anchors = elements(profile.competency(question.competencies[0]).anchors[5], "zh")
    first = model.anchor_fit(story, "zh", anchors)
    model.anchor_fit("另一个毫不相干的故事。", "zh", anchors)  # the cache holds another prompt in between
    assert model.anchor_fit(story, "zh", anchors) == first


@pytest.mark.xfail(
    strict=True,
    reason="issue 13, open: the 1.5B model does not read every bad story told well as "
    "bad; customer-service's scores above the generic answer and could advance",
)
def test_a_bad_story_told_well_scores_below_the_generic_answer_and_cannot_advance(judged) -> None:
    for profile, question in QUESTIONS:
        generic = next(
            a
            for a in judged["answers"].values()
            if (a.profile, a.question, a.kind) == (profile, question, "generic")
        )
        bad = next(
            a
            for a in judged["answers"].values()
            if (a.profile, a.question, a.kind) == (profile, question, "bad_story")
        )
        base, mine = scores(judged, generic.id), scores(judged, bad.id)
        assert all(mine[c] < base[c] for c in mine), (bad.id, mine, base)
        assert sum(mine.values()) / len(mine) < judged["profiles"][profile].thresholds.advance
