"""Scoring in the workflow: the last answer of a profiled interview is scored, stored and published."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from jiping.adapters.dynamo.interviews import DynamoInterviewRepository
from jiping.adapters.dynamo.profiles import DynamoProfileRepository
from jiping.adapters.s3 import S3ObjectStore
from jiping.domain.errors import PortalError
from jiping.domain.models import InterviewStatus, Question, utcnow
from jiping.domain.profiles import load_profile
from jiping.portal.interviews import create_interview
from jiping.portal.text_answers import submit_text_answer, text_answer_key

from infra import constants
from tests.conftest import REPO, SAMPLE_MEDIA, delivered_events
from tests.e2e.conftest import interview_row, run_upload

pytestmark = [pytest.mark.slow, pytest.mark.real_judge]
TENANT = "t-scoring"
JUDGE_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m@sha256:cc324af070c2+judge-prompt-v1"


def test_a_profiled_interview_is_scored_with_evidence_and_published(cloud):
    # GIVEN the tenant's customer-service profile and an interview answering its first question
    profile = load_profile(REPO / "profiles" / "customer-service.yaml")
    DynamoProfileRepository(cloud.client("dynamodb"), cloud.outputs[constants.OUTPUT_PROFILES_TABLE]).put(
        TENANT, profile
    )
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(
        repo,
        TENANT,
        "iv-scored",
        profile.id,
        [Question(question_id="difficult_customer", media_id="q1_zh")],
        profile.version,
    )
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
    artifacts = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    s3 = cloud.client("s3")
    features_key = f"{TENANT}/iv-scored/features/difficult_customer.json"
    stored = s3.get_object(Bucket=artifacts, Key=features_key)
    assert json.loads(stored["Body"].read())["indicator_hits"]["problem_solving"] == ["安排补发"]
    # the judge's reading of the answer is stored beside its features: an account, read by the model
    judged = json.loads(
        s3.get_object(Bucket=artifacts, Key=f"{TENANT}/iv-scored/judgement/difficult_customer.json")[
            "Body"
        ].read()
    )
    assert judged["checks"]["kind"] == "narrative" and judged["model"].startswith(JUDGE_MODEL)
    row = interview_row(cloud, TENANT, "iv-scored")
    assert row.status is InterviewStatus.SCORED and row.overall_score is not None
    doc = json.loads(s3.get_object(Bucket=artifacts, Key=row.result_key)["Body"].read())
    assert (doc["job_id"], doc["job_version"]) == ("customer-service", 1)
    probed = set(profile.questions[0].competencies)
    scored = {c["id"]: c for c in doc["competencies"]}
    transcript = doc["questions"][0]["transcript"]["text"]
    for cid in probed:
        c = scored[cid]
        assert 1 <= c["level"] <= 5 and c["score"] == pytest.approx(
            20 * judged_level(judged, cid) - 10, abs=0.11
        )
        assert c["evidence"], cid
        for quote in c["evidence"]:  # whole sentences of what was said, with their times in the clip
            assert quote["text"] in transcript and quote["text"][-1] in "。！？.!?"
            assert 0 <= quote["start"] < quote["end"] <= 12.5
        name = next(x.name for x in profile.competencies if x.id == cid)
        assert c["reason"].startswith(f"{name} {c['level']} 级") and ("未体现" in c["reason"]) == (
            c["level"] < 5
        )
        assert c["judgement"]["difficult_customer"]["kind"] == "narrative"
    # the profile's other questions were not asked: what only they probe is not assessed, not zero
    assert all(c["score"] is None and not c["assessed"] for cid, c in scored.items() if cid not in probed)
    assert doc["assessed_weight"] >= 0.5 and not any("no answer" in r for r in doc["review_reasons"])
    codes = {f["code"] for f in doc["review_flags"]}
    expected = profile.thresholds.recommend(doc["overall_score"]).value
    assert doc["recommendation"] == ("review" if codes else expected)
    assert doc["versions"]["asr_model"].startswith("whisper-base@sha256:")
    assert doc["versions"]["rubric"] == "customer-service@v1"
    assert doc["versions"]["scoring_model"].startswith("scoring-v2@sha256:")
    assert doc["versions"]["judge_model"].startswith(JUDGE_MODEL) and doc["versions"]["judge_checks"]
    types = sorted(e["detail-type"] for e in delivered_events(cloud, "iv-scored"))
    assert types == ["interview.scored", "interview.transcribed"]


def judged_level(judgement: dict, competency_id: str) -> float:
    return next(c["level"] for c in judgement["competencies"] if c["competency_id"] == competency_id)


def test_a_text_answer_of_the_same_words_scores_as_the_spoken_answer_did(cloud):
    # GIVEN the spoken answer scored above, and a new interview answering the same question in writing
    spoken_row = interview_row(cloud, TENANT, "iv-scored")
    artifacts = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    s3 = cloud.client("s3")
    spoken = json.loads(s3.get_object(Bucket=artifacts, Key=spoken_row.result_key)["Body"].read())
    words = spoken["questions"][0]["transcript"]["text"]
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(
        repo, TENANT, "iv-written", "customer-service", [Question(question_id="difficult_customer")], 1
    )
    # WHEN the candidate submits the same words as text (what the API does)
    submit_text_answer(
        repo,
        S3ObjectStore(s3),
        cloud.uploads_bucket,
        TENANT,
        "iv-written",
        "difficult_customer",
        words,
        utcnow(),
    )
    key = text_answer_key(TENANT, "iv-written", "difficult_customer")
    version = s3.head_object(Bucket=cloud.uploads_bucket, Key=key).get("VersionId")
    result = cloud.wait_for_execution(cloud.execution_arn(cloud.uploads_bucket, key, version), timeout=900)
    # THEN it skipped transcription and vision, and was scored exactly as the spoken answer was
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    names = [s["name"] for s in result.states()]
    assert {"TranscribeText", "TextRead", "NoVideo", "ScoreInterview"} <= set(names)
    assert not {"TranscribeOnCpuPool", "TranscribeOnGpuPool", "AudioFeatures", "VisionOnLambda"} & set(names)
    row = interview_row(cloud, TENANT, "iv-written")
    written = json.loads(s3.get_object(Bucket=artifacts, Key=row.result_key)["Body"].read())
    assert written["questions"][0]["transcript"]["text"] == words
    same = ("id", "score", "level", "anchor", "reason", "strengths", "gaps", "assessed")
    for a, b in zip(spoken["competencies"], written["competencies"], strict=True):
        assert {k: a[k] for k in same} == {k: b[k] for k in same}
        assert [q["text"] for q in a["evidence"]] == [q["text"] for q in b["evidence"]]
        assert all(q["start"] is None and q["end"] is None for q in b["evidence"])  # a text has no clock
    assert written["overall_score"] == spoken["overall_score"]
    # the same shape: every key of the spoken result is in the written one
    assert set(spoken) <= set(written) and set(spoken["competencies"][0]) <= set(written["competencies"][0])
    assert {f["code"] for f in written["review_flags"]} <= {f["code"] for f in spoken["review_flags"]} | {
        "SHORT_ANSWER"
    }
    # and it is closed now: another answer is refused
    with pytest.raises(PortalError) as refused:
        submit_text_answer(
            repo,
            S3ObjectStore(s3),
            cloud.uploads_bucket,
            TENANT,
            "iv-written",
            "difficult_customer",
            words + "再补充一句。",
            utcnow(),
        )
    assert refused.value.code == "INTERVIEW_SCORED"


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
    assert "评估理由" in dom and "未评估" in dom and "级" in dom
    assert shot.stat().st_size > 20_000


def _chromium(profile_dir, *args: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Chromium is needed for the report test: make setup installs it (Debian package chromium)"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile_dir / 'chrome'}",
    ]
    proc = subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_an_interview_without_a_profile_stops_at_transcribed(cloud):
    repo = DynamoInterviewRepository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
    create_interview(repo, TENANT, "iv-plain-job", "job-42", [Question(question_id="q", media_id="q2_en")])
    result = run_upload(cloud, SAMPLE_MEDIA / "q2_en.mp4", TENANT, "iv-plain-job")
    assert [s["name"] for s in result.states()][-2:] == ["AllAnswered?", "Transcribed"]
    assert interview_row(cloud, TENANT, "iv-plain-job").status is InterviewStatus.TRANSCRIBED
