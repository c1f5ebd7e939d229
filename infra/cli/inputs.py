"""What a command line asks for: the job, the clips or the timeline, written answers, who is told."""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "events" / "media" / "sample_interview.json"
DEMO_PROFILE = SAMPLE.parent / "demo_profile.yaml"
DEMO_HR = ("zhangsan",)  # the demo's HR owner (a WeCom userid at the local stand-in)
DEMO_CANDIDATE = (
    "wmDemoCandidate0001"  # the demo candidate's WeCom external contact id  # the sample interview's job
)
EXIT_OK, EXIT_FAILED, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2, 64
DEMO_CONSENT_VERSION = "demo-synthetic-sample"


@dataclass(frozen=True)
class Notify:
    """Who hears about the interview: the EHR's webhook endpoint (default: the local EHR receiver), and
    in WeCom the HR owners and the candidate (through the local WeCom stand-in, or ``wecom_api_base``)."""

    webhook_url: str | None = None
    webhook_secret: str | None = None
    hr_wecom_users: tuple[str, ...] = ()
    candidate_wecom_id: str | None = None
    wecom_api_base: str | None = None


class Console:
    """Progress on stderr, plain lines (readable in CI logs and terminals alike)."""

    def __init__(self, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.stream, self.quiet, self.t0 = stream, quiet, time.perf_counter()

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.1f}s] {text}", file=self.stream, flush=True)


def new_interview_id() -> str:
    return datetime.now(UTC).strftime("iv-%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def safe_filename(path: Path, index: int) -> str:
    """An upload name made of the characters object keys and ids allow."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem).strip("-.") or f"answer{index + 1}"
    suffix = re.sub(r"[^A-Za-z0-9.]", "", path.suffix)[:10]
    return f"{stem[:100]}{suffix}"


class UsageError(ValueError):
    """A command line that cannot be run as given."""


@dataclass(frozen=True)
class Job:
    job_id: str
    version: int | None = None
    questions: dict[str, str] = field(default_factory=dict)  # question id -> text, from the profile
    profile: Any = None  # the JobProfile, when --job named a profile file


def notify_from(
    webhook_url: str | None,
    webhook_secret: str | None,
    hr_wecom_users: Sequence[str] = (),
    candidate_wecom_id: str | None = None,
    wecom_api_base: str | None = None,
) -> Notify:
    """``--webhook-url/--webhook-secret`` (an http(s) URL, and a whsec_ secret when given) and the WeCom
    options (member ids, an http(s) API base)."""
    from jiping.delivery.webhooks import WebhookError, check_secret
    from jiping.domain.models import WecomRecipients

    try:
        WecomRecipients(hr_user_ids=list(hr_wecom_users), candidate_external_userid=candidate_wecom_id)
    except ValueError as exc:
        raise UsageError(
            f"--hr-wecom-user: {exc.errors()[0]['msg'] if hasattr(exc, 'errors') else exc}"
        ) from None
    if wecom_api_base is not None and not re.match(r"https?://[^/\s]+", wecom_api_base):
        raise UsageError(f"--wecom-api-base takes an http(s) URL, not {wecom_api_base!r}")
    if webhook_url is not None and not re.match(r"https?://[^/\s]+", webhook_url):
        raise UsageError(f"--webhook-url takes an http(s) URL, not {webhook_url!r}")
    if webhook_secret is not None:
        if webhook_url is None:
            raise UsageError("--webhook-secret goes with --webhook-url (the local EHR gets a new secret)")
        try:
            check_secret(webhook_secret)
        except WebhookError as exc:
            raise UsageError(f"--webhook-secret: {exc.detail}") from None
    return Notify(webhook_url, webhook_secret, tuple(hr_wecom_users), candidate_wecom_id, wecom_api_base)


def resolve_job(value: str) -> Job:
    """``--job``: a job-profile file is loaded and validated; anything else is a job id, recorded as given."""
    path = Path(value)
    if path.suffix in {".yaml", ".yml", ".json"} or path.is_file():
        from jiping.domain.profiles import ProfileError, load_profile

        try:
            profile = load_profile(path)
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
        return Job(profile.id, profile.version, {q.id: q.text for q in profile.questions}, profile)
    return Job(value)


def _pair(item: str, option: str, what: str, job: Job) -> tuple[str, Path]:
    qid, sep, value = item.partition("=")
    if not sep or not qid or not value:
        raise UsageError(f"{option} takes QUESTION_ID={what}, not {item!r}")
    if job.questions and qid not in job.questions:
        raise UsageError(f"question {qid!r} is not in job profile {job.job_id!r}: {', '.join(job.questions)}")
    return qid, Path(value)


def plan_texts(texts: Sequence[str], job: Job, questions: list[dict[str, Any]]) -> list[tuple[str, Path]]:
    """The written answers (--text-answer QUESTION_ID=FILE), each added to the interview's questions."""
    out: list[tuple[str, Path]] = []
    for item in texts:
        from jiping.domain.errors import PortalError
        from jiping.portal.text_answers import clean_text

        qid, path = _pair(item, "--text-answer", "FILE", job)
        if any(q == qid for q, _ in out) or any(q.get("question_id") == qid for q in questions):
            raise UsageError(f"question {qid!r} is answered twice")
        try:
            clean_text(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"--text-answer {item}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, PortalError) as exc:
            raise UsageError(
                f"--text-answer {item}: {getattr(exc, 'message', None) or 'not UTF-8 text'}"
            ) from exc
        out.append((qid, path))
        questions.append({"question_id": qid, "text": job.questions.get(qid), "media_id": qid})
    return out


def plan_inputs(
    videos: list[Path],
    answers: Sequence[str],
    questions_file: Path | None,
    job: Job,
    texts: Sequence[str] = (),
) -> tuple[list[Path], list[dict[str, Any]], list[tuple[str, Path]]]:
    """The clips to upload, the written answers and the interview's questions, from VIDEO args, --answer,
    --text-answer and --questions."""
    questions: list[dict[str, Any]] = json.loads(questions_file.read_text()) if questions_file else []
    for item in answers:
        qid, _ = _pair(item, "--answer", "CLIP", job)
        clip = item.partition("=")[2]
        path = Path(clip)
        questions.append(
            {
                "question_id": qid,
                "text": job.questions.get(qid),
                "media_id": safe_filename(path, len(videos)).rsplit(".", 1)[0],
            }
        )
        videos.append(path)
    written = plan_texts(texts, job, questions)
    if not videos and not written:
        raise UsageError(
            "nothing to evaluate: give VIDEO files, --answer QUESTION_ID=CLIP or --text-answer QUESTION_ID=FILE"
        )
    return videos, questions, written
