"""Job profiles: the shipped examples, a company's own profile, and every validation rule."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from jiping.domain.errors import JipingError
from jiping.domain.profiles import (
    JobProfile,
    ProfileError,
    Recommendation,
    Thresholds,
    bundled_profiles,
    load_profile,
    profile_from_text,
    profile_version_id,
)

REPO = Path(__file__).resolve().parents[3]
SAMPLE_INTERVIEW = REPO / "events" / "media" / "sample_interview.json"

# A company's own profile, written without code: new competencies and questions.
MINIMAL_YAML = """
id: warehouse-lead
title: 仓库主管
language: zh
version: 2
competencies:
  - id: safety
    name: 安全意识
    weight: 1
    description: 把安全放在第一位。
    indicators:
      zh: [安全, 规范操作]
      en: [safety, followed the procedure]
    anchors:
      1: 忽视安全规范。
      3: 遵守安全规范。
      5: 主动发现并消除安全隐患。
  - id: planning
    name: 计划统筹
    weight: 3
    description: 合理安排人员与库位。
    indicators:
      zh: [排班, 计划]
    anchors:
      1: 没有计划。
      2: 计划经常变动。
      3: 有基本计划。
      5: 计划周密并能应对突发情况。
questions:
  - id: near_miss
    text: 请讲一次你发现并处理安全隐患的经历。
    competencies: [safety]
  - id: peak_season
    text: 请讲一次你安排团队应对旺季高峰的经历。
    text_en: Tell us about a time you organised your team for peak season.
    competencies: [planning, safety]
    max_seconds: 120
thresholds:
  advance: 70
  review: 50
"""


def minimal() -> dict[str, Any]:
    return yaml.safe_load(MINIMAL_YAML)


def rejected(document: dict[str, Any]) -> str:
    with pytest.raises(ProfileError) as info:
        profile_from_text(json.dumps(document, ensure_ascii=False), "json", source="custom.json")
    return str(info.value)


# -- the shipped profiles -----------------------------------------------------------------------


def test_the_shipped_profiles_load_and_validate():
    profiles = bundled_profiles()

    jobs = {"customer-service", "sales-manager", "software-engineer", "project-manager"}
    assert set(profiles) == jobs | {"group-discussion"}  # and one group profile (无领导小组讨论, issue 19)
    (discussion,) = profiles["group-discussion"].questions  # a group profile's one question: the discussion
    assert set(discussion.competencies) == {c.id for c in profiles["group-discussion"].competencies}
    for profile in profiles.values():
        assert 4 <= len(profile.competencies) <= 5
        assert 3 <= len(profile.questions) <= 4 or profile.id == "group-discussion"
        assert profile.nonverbal_contributes is False
        for competency in profile.competencies:
            assert competency.indicators["zh"] and competency.indicators["en"]
            assert {1, 3, 5} <= set(competency.anchors)
        for question in profile.questions:
            assert question.text_en or profile.language == "en"  # an English profile asks in English


def test_shipped_profiles_ask_the_sample_interview_questions():
    sample = {item["id"]: item for item in json.loads(SAMPLE_INTERVIEW.read_text(encoding="utf-8"))}
    profiles = bundled_profiles()

    first = profiles["customer-service"].questions[0]
    assert first.id == "difficult_customer"
    assert first.text == sample["q1_zh"]["question"] == "请讲一次你处理难缠客户的经历。"
    english = {q.id: q for q in profiles["software-engineer"].questions}["measurable_impact"]
    assert english.text == sample["q2_en"]["question"]


def test_load_profile_reads_a_shipped_file_by_its_suffix():
    profile = load_profile(REPO / "profiles" / "customer-service.yaml")

    assert profile.title == "客服专员"
    assert profile_version_id(profile) == "customer-service@v1"


# -- a company's own profile --------------------------------------------------------------------


def test_a_hand_written_profile_with_new_competencies_loads_without_code():
    profile = profile_from_text(MINIMAL_YAML, "yaml")

    assert profile_version_id(profile) == "warehouse-lead@v2"
    assert [c.id for c in profile.competencies] == ["safety", "planning"]
    assert profile.questions[0].max_seconds == 180  # the default
    assert profile.questions[1].competencies == ["planning", "safety"]
    assert profile.competency("planning").anchors[2] == "计划经常变动。"
    assert profile.nonverbal_contributes is False


def test_weights_normalise_to_one():
    weights = profile_from_text(MINIMAL_YAML, "yaml").normalised_weights()

    assert weights == {"safety": 0.25, "planning": 0.75}
    for profile in bundled_profiles().values():
        assert math.isclose(sum(profile.normalised_weights().values()), 1.0)


def test_json_and_yaml_documents_give_equal_models(tmp_path: Path):
    # Given the same profile as YAML and as JSON (where anchor levels become string keys)
    (tmp_path / "p.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    (tmp_path / "p.json").write_text(json.dumps(minimal(), ensure_ascii=False), encoding="utf-8")

    # Then both files load to the same model
    from_yaml = load_profile(tmp_path / "p.yaml")
    from_json = load_profile(tmp_path / "p.json")
    assert from_yaml == from_json
    assert JobProfile.model_validate_json(from_yaml.model_dump_json()) == from_yaml


# -- the validation rules -----------------------------------------------------------------------


def test_a_question_probing_an_unknown_competency_is_refused():
    document = minimal()
    document["questions"][1]["competencies"] = ["planning", "saftey"]

    message = rejected(document)
    assert "custom.json" in message
    assert "question 'peak_season' probes unknown competencies ['saftey']" in message


def test_duplicate_competency_ids_are_refused():
    document = minimal()
    document["competencies"][1]["id"] = "safety"

    assert "duplicate competency ids: ['safety']" in rejected(document)


def test_duplicate_question_ids_are_refused():
    document = minimal()
    document["questions"][1]["id"] = "near_miss"

    assert "duplicate question ids: ['near_miss']" in rejected(document)


def test_a_missing_anchor_level_is_refused_with_its_location():
    document = minimal()
    del document["competencies"][0]["anchors"][3]

    message = rejected(document)
    assert "competencies.0.anchors" in message
    assert "missing [3]" in message


def test_inverted_thresholds_are_refused():
    document = minimal()
    document["thresholds"] = {"advance": 40, "review": 60}

    message = rejected(document)
    assert "thresholds" in message
    assert "advance (40) must be greater than review (60)" in message


def test_equal_thresholds_are_refused():
    with pytest.raises(ValueError, match="must be greater than review"):
        Thresholds(advance=60, review=60)


def test_a_competency_no_question_probes_is_refused():
    document = minimal()
    document["questions"][1]["competencies"] = ["safety"]

    assert "competencies probed by no question: ['planning']" in rejected(document)


def test_a_misspelt_field_is_refused_not_ignored():
    document = minimal()
    document["competencies"][0]["wieght"] = document["competencies"][0].pop("weight")

    message = rejected(document)
    assert "competencies.0.wieght: Extra inputs are not permitted" in message
    assert "competencies.0.weight: Field required" in message


def test_a_top_level_typo_is_refused():
    document = minimal()
    document["nonverbal_contribute"] = True

    assert "nonverbal_contribute: Extra inputs are not permitted" in rejected(document)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("competencies", 0, "weight"),
            -1,
            "competencies.0.weight: Input should be greater than or equal to 0",
        ),
        (("questions", 0, "max_seconds"), 0, "questions.0.max_seconds: Input should be greater than 0"),
        (("version",), 0, "version: Input should be greater than or equal to 1"),
        (("thresholds", "advance"), 101, "thresholds.advance: Input should be less than or equal to 100"),
        (("language",), "fr", "language: Input should be 'zh', 'en' or 'auto'"),
        (("competencies", 0, "id"), "安全", "competencies.0.id: Value error, competency id must be"),
        (("questions",), [], "questions: List should have at least 1 item"),
    ],
)
def test_out_of_range_fields_are_refused_with_their_location(path, value, expected):
    document = minimal()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    assert expected in rejected(document)


def test_a_zero_weight_keeps_the_competency_out_of_the_overall_but_all_zero_is_refused():
    document = minimal()
    document["competencies"][0]["weight"] = 0
    assert profile_from_text(json.dumps(document), "json").normalised_weights()["safety"] == 0.0

    for competency in document["competencies"]:
        competency["weight"] = 0
    assert "every competency weight is 0" in rejected(document)


def test_a_competency_without_indicators_in_the_profile_language_is_refused():
    document = minimal()
    document["competencies"][1]["indicators"] = {"en": ["schedule"]}

    assert "competency 'planning' has no indicators in the profile language 'zh'" in rejected(document)


def test_unreadable_documents_raise_profile_error(tmp_path: Path):
    with pytest.raises(ProfileError, match="not valid yaml"):
        profile_from_text("id: [unclosed", "yaml")
    with pytest.raises(ProfileError, match="must be a mapping"):
        profile_from_text("- a\n- b\n", "yaml")
    with pytest.raises(ProfileError, match=r"\.yaml, \.yml or \.json"):
        load_profile(tmp_path / "profile.txt")
    with pytest.raises(ProfileError, match="cannot be read"):
        load_profile(tmp_path / "missing.yaml")
    assert issubclass(ProfileError, JipingError)


# -- recommendations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "expected"),
    [
        (100, Recommendation.ADVANCE),
        (75, Recommendation.ADVANCE),
        (74.99, Recommendation.REVIEW),
        (55, Recommendation.REVIEW),
        (54.99, Recommendation.DECLINE),
        (0, Recommendation.DECLINE),
    ],
)
def test_recommendation_thresholds_are_inclusive_at_the_boundaries(overall, expected):
    thresholds = Thresholds(advance=75, review=55)

    assert thresholds.recommend(overall) is expected
