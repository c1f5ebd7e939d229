"""`jiping evaluate` and `jiping demo` as an operator runs them: a separate process with its own local cloud.

A run costs far more than the checks made on it (the local cloud, whisper, the judge's language model, the
whole workflow), so the runs are shared, and they overlap where that is cheap. When the module starts,
``_background`` starts the runs its selected tests read, and each test waits for its run:

- ``plain_run``: ``evaluate`` of one clip for a plain job id (transcribed, not scored), with ``--json``,
  output files and the consent to video analysis;
- ``profile_run``: ``evaluate`` against a job profile, a spoken answer (``--answer``) and a written one
  (``--text-answer``) by question, scored; read by two tests;
- ``demo_run``: ``demo``, the sample interview against the demo profile, scored.

Only one run that scores runs at a time, alone while it scores: the judge's llama.cpp threads want a core
each, and anything beside them slows them several times over. So ``plain_run`` and ``profile_run`` start
together (``plain_run`` is done before ``profile_run`` scores), and ``demo_run`` once ``profile_run``'s judge
is done (its workflow has entered ScoreInterview); the tests that start a CLI of their own run while a run
transcribes: the two cheap ones first, ``serve`` before the demo's test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, SAMPLE_MEDIA
from tests.support import media_factory as mf

pytestmark = pytest.mark.slow

TIMEOUT_S = 600  # one run of the CLI
WRITTEN_ANSWER = (
    "上个月有位客户不认可我们七天无理由退货不包括定制商品的规定。我先听她把话说完，再用她的订单举例，"
    "说明定制商品是按她的尺寸做的，退回来没法再卖。最后我帮她申请了免费修改尺寸，她接受了。"
)
# profile_run's profile: profiles/customer-service.yaml and one competency more, probed by a question the
# interview does not ask, so that this interview (two of its questions, which probe the file's four
# competencies between them) still assesses only part of the profile
UNASKED_COMPETENCY = {
    "id": "product_knowledge",
    "name": "产品知识",
    "weight": 2,
    "description": "熟悉所售商品与服务规则，能准确回答客户关于商品的问题。",
    "indicators": {
        "zh": ["产品参数", "使用方法", "保修"],
        "en": ["product details", "how to use", "warranty"],
    },
    "anchors": {
        1: "对商品不了解，回答含糊或错误。",
        3: "能准确回答常见的商品问题。",
        5: "熟悉商品细节与规则，能针对客户的用途给出准确建议。",
    },
}
UNASKED_QUESTION = {
    "id": "product_question",
    "text": "请讲一次客户问到你不熟悉的商品问题时，你是怎么回答的？",
    "competencies": ["product_knowledge"],
}


@dataclass(frozen=True)
class Run:
    proc: subprocess.CompletedProcess[str]
    out: Path  # its --out directory


class _Background:
    """One ``jiping`` command in a process of its own, started by a thread once ``after`` has printed the
    progress line ``once`` (or has finished); its stdout and stderr go to files (no pipe to drain),
    ``result()`` waits for it."""

    def __init__(
        self, args: Sequence[str], out: Path, after: _Background | None = None, once: str = ""
    ) -> None:
        self.args = [sys.executable, "-m", "infra.cli", *args]
        self.out = out
        self.finished = threading.Event()
        self._after, self._once = after, once
        self._logs = out.parent / f"{out.name}.log"
        self._logs.mkdir()
        self._proc: subprocess.Popen[str] | None = None
        self._cancelled = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"jiping {args[0]}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            if self._after is not None:
                self._after.wait_for(self._once)
            with self._lock:
                if self._cancelled:
                    return
                with (self._logs / "stdout").open("w") as stdout, (self._logs / "stderr").open("w") as stderr:
                    self._proc = subprocess.Popen(
                        self.args,
                        cwd=REPO,
                        stdout=stdout,
                        stderr=stderr,
                        text=True,
                        start_new_session=True,  # its process group: a timeout ends the run and its children
                    )
            try:
                self._proc.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._kill()
        finally:
            self.finished.set()

    def _read(self, name: str) -> str:
        path = self._logs / name
        return path.read_text() if path.exists() else ""

    def wait_for(self, progress: str) -> None:
        """Until this run has finished or, when ``progress`` is given, printed it on stderr (the progress
        display: a state of the workflow once it is entered, the deliveries once made)."""
        while not self.finished.wait(0.5):
            if progress and progress in self._read("stderr"):
                return

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()

    def result(self) -> Run:
        self._thread.join()
        assert self._proc is not None, f"{self.args} did not start"
        stdout, stderr = self._read("stdout"), self._read("stderr")
        if self._proc.returncode == -signal.SIGKILL:
            stderr += f"\n(killed after {TIMEOUT_S} s)"
        return Run(subprocess.CompletedProcess(self.args, self._proc.returncode, stdout, stderr), self.out)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            self._kill()
        self._thread.join()


def _jiping(*args: str, timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _profile_with_an_unasked_competency(path: Path) -> Path:
    profile = yaml.safe_load((REPO / "profiles" / "customer-service.yaml").read_text(encoding="utf-8"))
    profile["competencies"].append(UNASKED_COMPETENCY)
    profile["questions"].append(UNASKED_QUESTION)
    path.write_text(yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module", autouse=True)
def _background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, _Background]]:
    """The shared runs the selected tests of this module read, started as the module starts."""
    wanted = {
        name
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        for name in getattr(item, "fixturenames", ())
    }
    root = tmp_path_factory.mktemp("cli")
    runs: dict[str, _Background] = {}
    if "plain_run" in wanted:
        runs["plain_run"] = _Background(
            [
                "evaluate",
                str(SAMPLE_MEDIA / "q2_en.mp4"),
                "--job",
                "job-42",
                "--tenant",
                "acme",
                "--out",
                str(root / "plain"),
                "--json",
                "--biometric-consent",
                "consent-v3",
            ],
            root / "plain",
        )
    if "profile_run" in wanted:
        written = root / "explain_policy.txt"
        written.write_text(WRITTEN_ANSWER, encoding="utf-8")
        runs["profile_run"] = _Background(
            [
                "evaluate",
                "--job",
                str(_profile_with_an_unasked_competency(root / "customer-service.yaml")),
                "--answer",
                f"difficult_customer={SAMPLE_MEDIA / 'q1_zh.mp4'}",
                "--text-answer",
                f"explain_policy={written}",
                "--out",
                str(root / "profile"),
                "--json",
            ],
            root / "profile",
        )
    if "demo_run" in wanted:
        runs["demo_run"] = _Background(
            ["demo", "--out", str(root / "demo"), "--json"],
            root / "demo",
            after=runs.get("profile_run"),
            once=": ScoreInterview",  # its answers are judged: what is left of it is light
        )
    yield runs
    for run in runs.values():
        run.cancel()


@pytest.fixture(scope="module")
def plain_run(_background: dict[str, _Background]) -> Run:
    """``evaluate q2_en.mp4 --job job-42 --tenant acme --json --biometric-consent consent-v3``."""
    return _background["plain_run"].result()


@pytest.fixture(scope="module")
def profile_run(_background: dict[str, _Background]) -> Run:
    """``evaluate --job customer-service.yaml --answer difficult_customer=q1_zh.mp4
    --text-answer explain_policy=FILE --json`` (the profile with ``UNASKED_COMPETENCY``)."""
    return _background["profile_run"].result()


@pytest.fixture(scope="module")
def demo_run(_background: dict[str, _Background]) -> Run:
    """``demo --json``."""
    return _background["demo_run"].result()


def test_evaluate_exits_2_with_the_reason_for_a_rejected_upload(tmp_path):
    bad = mf.make_clip(tmp_path / "mute.mp4", audio_stream=False)
    proc = _jiping("evaluate", str(bad), "--job", "j", "--out", str(tmp_path / "out"), "--json")
    assert proc.returncode == 2, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["status"] == "REJECTED" and doc["reason_code"] == "NO_AUDIO_STREAM"


def test_evaluate_refuses_a_missing_file(tmp_path):
    proc = _jiping("evaluate", str(tmp_path / "nope.mp4"), "--job", "j")
    assert proc.returncode == 64 and "no such file" in proc.stderr


def test_evaluate_json_prints_the_result_document_and_writes_the_outputs(plain_run):
    proc = plain_run.proc
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
    out = plain_run.out / doc["interview_id"]
    assert json.loads((out / "result.json").read_text())["interview_id"] == doc["interview_id"]
    assert (out / "q2_en.transcript.json").is_file() and (out / "q2_en.analysis.json").is_file()
    assert "ProbeMedia" in proc.stderr  # the progress display, state by state, on stderr


def test_evaluate_with_a_job_profile_and_answers_by_question(profile_run):
    proc = profile_run.proc
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert (doc["job_id"], doc["job_version"]) == ("customer-service", 1)
    (answer,) = (a for a in doc["answers"] if a["question_id"] == "difficult_customer")
    assert "补发" in answer["transcript"]["text"]  # the clip given for it
    assert doc["status"] == "SCORED" and 0 <= doc["overall_score"] <= 100
    assert {c["id"] for c in doc["competencies"]} >= {"customer_focus", "emotional_control"}
    # the competencies the two asked questions probe, and only those: the profile's fifth is left unscored
    probed = {"customer_focus", "emotional_control", "problem_solving", "communication"}
    assert {c["id"] for c in doc["competencies"] if c["assessed"]} == probed
    assert [c["id"] for c in doc["competencies"] if c["id"] not in probed] == [UNASKED_COMPETENCY["id"]]
    assert all(c["score"] is None for c in doc["competencies"] if c["id"] not in probed)
    assert 0 < doc["assessed_weight"] < 1
    assert sorted(q["question_id"] for q in doc["questions"]) == ["difficult_customer", "explain_policy"]
    spoken = next(q for q in doc["questions"] if q["question_id"] == "difficult_customer")
    assert spoken["relevance"]["value"] is not None and "flags" in doc
    assert set(doc["versions"]) >= {"rubric", "scoring_model", "asr_model", "vision_model", "encoder"}
    assert set(doc["timings"]) >= {"score_s", "total_s"}


def test_evaluate_mixes_a_spoken_and_a_written_answer_through_the_same_workflow(profile_run):
    proc = profile_run.proc
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["status"] == "SCORED"
    answers = {a["question_id"]: a for a in doc["answers"]}
    assert set(answers) == {"difficult_customer", "explain_policy"}
    assert answers["explain_policy"]["transcript"]["text"] == WRITTEN_ANSWER.strip()
    written_media = next(m for m in doc["media"] if m["media_id"] == "explain_policy")
    assert written_media["asr"]["model"]["name"] == "text-answer"  # no recogniser ran on it
    assessed = {c["id"] for c in doc["competencies"] if c["assessed"]}
    assert {"communication", "customer_focus"} <= assessed
    communication = next(c for c in doc["competencies"] if c["id"] == "communication")
    assert communication["question_ids"] == ["explain_policy"] and communication["evidence"]
    assert all(q["start"] is None for q in communication["evidence"])


def test_serve_runs_the_api_on_localhost_with_a_printed_key():
    import socket
    import time

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
        # the HR workspace: the stand-in's member 张三 signs in through WeCom's page and comes back to this port
        start = httpx.get(f"{base}/v1/workspace/login/wecom", params={"tenant": "portal-dev"})
        assert start.status_code == 302, start.text
        wecom = httpx.get(
            start.headers["location"].split("#")[0] + "&as=zhangsan"
        )  # (no fragment on the wire)
        assert wecom.headers["location"].startswith(f"{base}/v1/workspace/oauth/wecom?code=")
        signed = httpx.get(wecom.headers["location"])
        assert signed.status_code == 302 and signed.headers["location"] == "/hr/"
        me = httpx.get(f"{base}/v1/workspace/me", cookies={"jw_session": signed.cookies["jw_session"]})
        assert (me.json()["user_id"], me.json()["role"]) == ("zhangsan", "hr")
        assert httpx.get(f"{base}/hr/").headers["content-type"].startswith("text/html")
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


def test_demo_scores_the_sample_interview_against_the_demo_profile(demo_run):
    proc = demo_run.proc
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
    assert (demo_run.out / doc["interview_id"] / "report.html").stat().st_size > 5_000
    # the local EHR received the signed interview.scored webhook, once
    (hook,) = doc["webhooks"]
    assert (hook["event_type"], hook["status"]) == ("interview.scored", "delivered")
    assert hook["attempts"][-1]["status_code"] == 204 and hook["delivery_id"].startswith("msg_")
    # and WeCom (the local stand-in) told the demo's HR owner and the candidate, once each
    assert sorted((n["channel"], n["recipient"], n["status"]) for n in doc["wecom"]) == [
        ("app", "zhangsan", "sent"),
        ("external", "candidate", "sent"),
    ]
