"""Scoring in the workflow: the last answer of a profiled interview is scored, stored and published."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from jiping.adapters.dynamodb import DynamoInterviewRepository
from jiping.adapters.profiles import DynamoProfileRepository
from jiping.models import InterviewStatus, Question
from jiping.profiles import load_profile
from jiping.stages import create_interview

from infra import constants
from tests.conftest import REPO, SAMPLE_MEDIA, delivered_events
from tests.e2e.conftest import interview_row, run_upload

pytestmark = pytest.mark.slow
TENANT = "t-scoring"


def test_a_profiled_interview_is_scored_with_evidence_and_published(cloud):
    # GIVEN the tenant's customer-service profile and an interview answering its first question
    profile = load_profile(REPO / "profiles" / "customer-service.yaml")
    DynamoProfileRepository(cloud.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE]).put(
        TENANT, profile
    )
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(
        repo, TENANT, "iv-scored", profile.id, [Question(question_id="difficult_customer", media_id="q1_zh")],
        profile.version,
    )  # fmt: skip
    # WHEN the answer is uploaded
    result = run_upload(cloud, SAMPLE_MEDIA / "q1_zh.mp4", TENANT, "iv-scored")
    # THEN the execution scored the interview and published both events
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    names = [s["name"] for s in result.states()]
    assert names[names.index("AllAnswered?") :] == [
        "AllAnswered?",
        "PlanScoring",
        "AnalyseAnswers",
        "AnalyseAnswer",  # the Map's one iteration: one asked question
        "ScoreInterview",
        "PublishScored",
        "Scored",
    ]
    features_key = f"{TENANT}/iv-scored/features/difficult_customer.json"
    stored = cloud.client("s3").get_object(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=features_key
    )
    assert json.loads(stored["Body"].read())["indicator_hits"]["problem_solving"] == ["安排补发"]
    row = interview_row(cloud, TENANT, "iv-scored")
    assert row.status is InterviewStatus.SCORED and row.overall_score is not None
    body = cloud.client("s3").get_object(
        Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=row.result_key
    )
    doc = json.loads(body["Body"].read())
    assert (doc["job_id"], doc["job_version"]) == ("customer-service", 1)
    probed = set(profile.questions[0].competencies)
    scored = {c["id"]: c for c in doc["competencies"]}
    transcript = doc["questions"][0]["transcript"]["text"]
    for cid in probed:
        assert scored[cid]["score"] > 60 and scored[cid]["evidence"], cid
        for quote in scored[cid]["evidence"]:
            assert quote["text"] in transcript and 0 <= quote["start"] < quote["end"] <= 12.5
        assert scored[cid]["reason"].startswith("评估理由")
    # the profile's other questions were not asked: what only they probe is not assessed, not zero
    assert all(c["score"] is None and not c["assessed"] for cid, c in scored.items() if cid not in probed)
    assert doc["assessed_weight"] >= 0.5 and not any("no answer" in r for r in doc["review_reasons"])
    assert doc["recommendation"] == profile.thresholds.recommend(doc["overall_score"]).value == "advance"
    assert doc["versions"]["asr_model"].startswith("whisper-base@sha256:")
    assert doc["versions"]["rubric"] == "customer-service@v1"
    types = sorted(e["detail-type"] for e in delivered_events(cloud, "iv-scored"))
    assert types == ["interview.scored", "interview.transcribed"]


def test_the_report_renders_in_a_real_browser(cloud, tmp_path):
    # GIVEN the report the scored interview above stored beside its result
    row = interview_row(cloud, TENANT, "iv-scored")
    key = row.result_key.rsplit("/", 1)[0] + "/report.html"
    html = cloud.client("s3").get_object(Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=key)
    page = tmp_path / "report.html"
    page.write_bytes(html["Body"].read())
    # WHEN headless Chromium loads it
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    # THEN the rendered page holds the score, the highlighted evidence and the charts, and paints
    assert f"{row.overall_score:.1f}" in dom and "<mark>" in dom and dom.count("<svg") >= 2
    assert "评估理由" in dom and "建议进入下一轮" in dom and "未评估" in dom
    assert shot.stat().st_size > 20_000


def _chromium(profile_dir, *args: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Chromium is needed for the report test: make setup installs it (Debian package chromium)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile_dir / 'chrome'}"]  # fmt: skip
    proc = subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_an_interview_without_a_profile_stops_at_transcribed(cloud):
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(repo, TENANT, "iv-plain-job", "job-42", [Question(question_id="q", media_id="q2_en")])
    result = run_upload(cloud, SAMPLE_MEDIA / "q2_en.mp4", TENANT, "iv-plain-job")
    assert [s["name"] for s in result.states()][-2:] == ["AllAnswered?", "Transcribed"]
    assert interview_row(cloud, TENANT, "iv-plain-job").status is InterviewStatus.TRANSCRIBED
