"""`jiping evaluate` as an operator runs it: a separate process with its own local cloud."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_MEDIA
from tests.support import media_factory as mf

pytestmark = pytest.mark.slow


def _jiping(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_evaluate_json_prints_the_result_document_and_writes_the_outputs(tmp_path):
    proc = _jiping(
        "evaluate",
        str(SAMPLE_MEDIA / "q2_en.mp4"),
        "--job",
        "job-42",
        "--tenant",
        "acme",
        "--out",
        str(tmp_path),
        "--json",
        "--biometric-consent",
        "consent-v3",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)  # stdout holds the document and nothing else
    assert (doc["status"], doc["job_id"], doc["tenant_id"], doc["language"]) == (
        "TRANSCRIBED",
        "job-42",
        "acme",
        "en",
    )
    (media,) = doc["media"]
    assert media["transcript"]["segments"][0]["words"], "words with timestamps"
    assert "release time" in media["transcript"]["text"]
    assert media["timings"]["TranscribeOnCpuPool"] > 0 and media["timings"]["ProbeMedia"] > 0
    (answer,) = doc["answers"]  # no question list given: the clip answers a question named after it
    assert answer["question_id"] == "q2_en" and "release time" in answer["transcript"]["text"]
    assert answer["speech"]["speaking_rate"]["n"] > 0
    assert answer["vision"]["face_present"]["value"] > 0.9 and answer["vision"]["face_present"]["n"] > 0
    out = tmp_path / doc["interview_id"]
    assert json.loads((out / "result.json").read_text())["interview_id"] == doc["interview_id"]
    assert (out / "q2_en.transcript.json").is_file() and (out / "q2_en.analysis.json").is_file()
    assert "ProbeMedia" in proc.stderr  # the progress display, state by state, on stderr


def test_evaluate_exits_2_with_the_reason_for_a_rejected_upload(tmp_path):
    bad = mf.make_clip(tmp_path / "mute.mp4", audio_stream=False)
    proc = _jiping("evaluate", str(bad), "--job", "j", "--out", str(tmp_path / "out"), "--json")
    assert proc.returncode == 2, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["status"] == "REJECTED" and doc["reason_code"] == "NO_AUDIO_STREAM"


def test_evaluate_refuses_a_missing_file(tmp_path):
    proc = _jiping("evaluate", str(tmp_path / "nope.mp4"), "--job", "j")
    assert proc.returncode == 64 and "no such file" in proc.stderr


def test_evaluate_with_a_job_profile_and_answers_by_question(tmp_path):
    proc = _jiping(
        "evaluate",
        "--job",
        str(REPO / "profiles" / "customer-service.yaml"),
        "--answer",
        f"difficult_customer={SAMPLE_MEDIA / 'q1_zh.mp4'}",
        "--out",
        str(tmp_path),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert (doc["job_id"], doc["job_version"]) == ("customer-service", 1)
    (answer,) = doc["answers"]
    assert answer["question_id"] == "difficult_customer" and "补发" in answer["transcript"]["text"]
    assert doc["status"] == "SCORED" and 0 <= doc["overall_score"] <= 100
    assert {c["id"] for c in doc["competencies"]} >= {"customer_focus", "emotional_control"}
    probed = {"customer_focus", "emotional_control", "problem_solving"}
    assert {c["id"] for c in doc["competencies"] if c["assessed"]} == probed
    assert all(c["score"] is None for c in doc["competencies"] if c["id"] not in probed)
    assert 0 < doc["assessed_weight"] < 1
    assert [q["question_id"] for q in doc["questions"]] == ["difficult_customer"]
    assert doc["questions"][0]["relevance"]["value"] is not None and "flags" in doc
    assert set(doc["versions"]) >= {"rubric", "scoring_model", "asr_model", "vision_model", "encoder"}
    assert set(doc["timings"]) >= {"score_s", "total_s"}


def test_evaluate_mixes_a_spoken_and_a_written_answer_through_the_same_workflow(tmp_path):
    written = tmp_path / "explain_policy.txt"
    written.write_text(
        "上个月有位客户不认可我们七天无理由退货不包括定制商品的规定。我先听她把话说完，再用她的订单举例，"
        "说明定制商品是按她的尺寸做的，退回来没法再卖。最后我帮她申请了免费修改尺寸，她接受了。",
        encoding="utf-8",
    )
    proc = _jiping(
        "evaluate",
        "--job",
        str(REPO / "profiles" / "customer-service.yaml"),
        "--answer",
        f"difficult_customer={SAMPLE_MEDIA / 'q1_zh.mp4'}",
        "--text-answer",
        f"explain_policy={written}",
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["status"] == "SCORED"
    answers = {a["question_id"]: a for a in doc["answers"]}
    assert set(answers) == {"difficult_customer", "explain_policy"}
    assert answers["explain_policy"]["transcript"]["text"] == written.read_text(encoding="utf-8").strip()
    written_media = next(m for m in doc["media"] if m["media_id"] == "explain_policy")
    assert written_media["asr"]["model"]["name"] == "text-answer"  # no recogniser ran on it
    assessed = {c["id"] for c in doc["competencies"] if c["assessed"]}
    assert {"communication", "customer_focus"} <= assessed
    communication = next(c for c in doc["competencies"] if c["id"] == "communication")
    assert communication["question_ids"] == ["explain_policy"] and communication["evidence"]
    assert all(q["start"] is None for q in communication["evidence"])


def test_demo_scores_the_sample_interview_against_the_demo_profile(tmp_path):
    proc = _jiping("demo", "--out", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert (doc["status"], doc["job_id"]) == ("SCORED", "demo-team-lead")
    assert [c["assessed"] for c in doc["competencies"]] == [True] * 5
    assert {q["question_id"] for q in doc["questions"]} == {"difficult_customer", "measurable_impact"}
    # two short sample answers, judged on their anchors: a level each, reasons in the anchors' language that
    # name the level and what the next one needs; the two do not both sail to the top of the scale
    assert all(1 <= c["level"] <= 5 for c in doc["competencies"]), doc["competencies"]
    reasons = {c["id"]: c["reason"] for c in doc["competencies"]}
    assert reasons["customer_focus"].startswith("客户导向") and " 级" in reasons["customer_focus"]
    # the English answer's competency: its anchors are Chinese, so is its reason (it quotes them); the
    # evidence stays in the candidate's own words
    assert (
        reasons["impact"].startswith("结果导向")
        and " 级" in reasons["impact"]
        and ": level " not in reasons["impact"]
    )
    assert not all(c["score"] >= 97 for c in doc["competencies"])
    # the last answer's execution scored both answers: the Map ran over the two questions
    assert any("AnalyseAnswers" in m["timings"] for m in doc["media"])
    assert (tmp_path / doc["interview_id"] / "report.html").stat().st_size > 5_000
    # the local EHR received the signed interview.scored webhook, once
    (hook,) = doc["webhooks"]
    assert (hook["event_type"], hook["status"]) == ("interview.scored", "delivered")
    assert hook["attempts"][-1]["status_code"] == 204 and hook["delivery_id"].startswith("msg_")
    # and WeCom (the local stand-in) told the demo's HR owner and the candidate, once each
    assert sorted((n["channel"], n["recipient"], n["status"]) for n in doc["wecom"]) == [
        ("app", "zhangsan", "sent"),
        ("external", "candidate", "sent"),
    ]


def test_serve_runs_the_api_on_localhost_with_a_printed_key():
    import os
    import signal
    import socket
    import threading

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "serve", "--port", str(port), "--tenant", "portal-dev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        lines = []
        while not any("local EHR receiver:" in line for line in lines) and len(lines) < 50:
            lines.append(proc.stdout.readline())
        key = next(line for line in lines if "API key" in line).rsplit(" ", 1)[-1].strip()
        ehr_url = next(line for line in lines if "local EHR receiver:" in line).split()[3]  # no DNS lookup
        # the functions' logs go on to stdout: drain it, or a full pipe would block the server
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/v1/health").json()["status"] == "ok"
        assert httpx.get(f"{base}/v1/webhooks").status_code == 401
        made = httpx.post(
            f"{base}/v1/webhooks",
            headers={"authorization": f"Bearer {key}"},
            json={"endpoint_id": "ehr", "url": ehr_url},
        )
        assert made.status_code == 201 and made.json()["secret"].startswith("whsec_"), made.text
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Jiping API"
        # the portal flow end to end: create an interview, post the answer to its form, watch it finish
        auth = {"authorization": f"Bearer {key}"}
        created = httpx.post(
            f"{base}/v1/interviews",
            headers=auth,
            json={
                "interview_id": "iv-serve",
                "candidate_ref": "cand-serve",
                "job_id": "job-serve",
                "questions": [{"question_id": "q2_en", "max_bytes": 5_000_000}],
                "consent": {"biometric": True, "version": "v1", "given_at": "2026-11-22T08:00:00Z"},
            },
        )
        assert created.status_code == 201, created.text
        (form,) = created.json()["uploads"]
        assert form["url"].startswith(f"{base}/local-s3/")
        clip = (SAMPLE_MEDIA / "q2_en.mp4").read_bytes()
        wrong = httpx.post(
            form["url"], data=form["fields"] | {"Content-Type": "video/webm"}, files={"file": clip}
        )
        assert wrong.status_code == 403  # the form is bound to its content type
        posted = httpx.post(
            form["url"], data=form["fields"], files={"file": ("q2_en.mp4", clip, "video/mp4")}
        )
        assert posted.status_code == 204, posted.text
        import time

        status = None
        for _ in range(240):
            status = httpx.get(f"{base}/v1/interviews/iv-serve", headers=auth).json()["status"]
            if status in ("TRANSCRIBED", "SCORED", "REJECTED", "FAILED"):
                break
            time.sleep(0.5)
        assert status == "TRANSCRIBED"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # leave no server behind, then fail
            raise
