"""``jiping``: the operator CLI. Runs interviews through the local cloud (the synthesized stack on moto).

    jiping evaluate VIDEO [VIDEO ...] --job JOB [--tenant T] [--out DIR] [--json]
    jiping demo [--out DIR] [--json]

Progress goes to stderr; ``--json`` prints the result document alone on stdout. The exit code is 0
when every clip was transcribed, 2 when a clip was rejected (bad input), 1 when a stage failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from jiping import bootstrap

from infra import capacity, cli_analytics, constants

REPO = Path(__file__).resolve().parents[1]
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


def _route_function_logs(log_file: Path) -> TextIO:
    """The functions' JSON logs go to a file beside the results, not into the progress display."""
    import jiping.observability  # noqa: F401 - creates the functions' logger, whose stream is rerouted

    handle = log_file.open("a", encoding="utf-8")
    for name in ("jiping", ""):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.stderr):
                handler.setStream(handle)
    return handle


def evaluate(
    videos: Sequence[Path],
    job: str,
    tenant: str,
    out: Path,
    console: Console,
    questions: Sequence[dict[str, Any]] = (),
    job_version: int | None = None,
    profile: Any = None,
    notify: Notify = Notify(),
    consent_version: str | None = None,
    texts: Sequence[tuple[str, Path]] = (),
) -> tuple[dict[str, Any], int]:
    """Run one interview (answer clips, or one video with a question timeline, and written answers) through
    the local cloud. A written answer goes in as the API stores it (``jiping.portal.text_answers``).

    Returns the result document and the exit code.
    """
    from jiping.domain.models import ObjectLocation, Question, Transcript, WecomRecipients
    from jiping.workflow.stages import create_interview

    from infra.localcloud.cloud import LocalCloud

    interview_id = new_interview_id()
    target = out / interview_id
    target.mkdir(parents=True, exist_ok=True)
    log_handle = _route_function_logs(target / "functions.log")
    started = time.perf_counter()
    console.say("starting the local cloud (synthesizing the CDK stack on first use)")
    with LocalCloud() as cloud:
        console.say(
            f"local cloud up: {len(cloud.functions)} functions, state machine "
            f"{cloud.state_machine_arn.rsplit(':', 1)[-1]}"
        )
        repo = bootstrap.interview_repository(cloud.outputs[constants.OUTPUT_INTERVIEWS_TABLE])
        if profile is not None:  # what a portal does through the profiles API: the tenant's profile version
            from jiping.domain.errors import ProfileVersionExists

            with contextlib.suppress(ProfileVersionExists):  # already stored: versions are immutable
                bootstrap.profile_repository(cloud.outputs[constants.OUTPUT_PROFILES_TABLE]).put(
                    tenant, profile
                )
        endpoint = _register_webhook(cloud, tenant, notify)
        console.say(
            f"webhook endpoint {endpoint.url} (tenant {tenant!r}) gets {', '.join(endpoint.event_types)}"
        )
        if notify.wecom_api_base:
            cloud.overrides["NotifyWecom"] = cloud.overrides.get("NotifyWecom", {}) | {
                "WECOM_API_BASE": notify.wecom_api_base
            }
        recipients = WecomRecipients(
            hr_user_ids=list(notify.hr_wecom_users), candidate_external_userid=notify.candidate_wecom_id
        )
        consent = None
        if consent_version:  # the operator records the candidate's separate consent to video analysis
            consent = {
                "biometric": True,
                "audio": True,
                "version": consent_version,
                "given_at": datetime.now(UTC).isoformat(),
            }
        create_interview(
            repo,
            tenant,
            interview_id,
            job,
            [Question.model_validate(q) for q in questions],
            job_version,
            recipients,
            consent,
        )
        if consent is None:
            console.say("no --biometric-consent: the video is not analysed, only the audio")
        console.say(f"interview {interview_id} created for job {job!r} (tenant {tenant!r})")
        uploads = []
        for i, video in enumerate(videos):
            up = cloud.upload(video, tenant, interview_id, safe_filename(video, i))
            console.say(f"uploaded {video.name} -> s3://{up['bucket']}/{up['key']}")
            uploads.append((video, up, cloud.execution_arn(**up)))
        for qid, path in texts:
            up = _submit_text(cloud, repo, tenant, interview_id, qid, path)
            console.say(f"text answer {path.name} -> s3://{up['bucket']}/{up['key']}")
            uploads.append((path, up, cloud.execution_arn(**up)))
        executions = []
        for video, up, arn in uploads:
            media_id = Path(up["key"]).stem
            result = cloud.wait_for_execution(
                arn, on_state=lambda name, m=media_id: console.say(f"{m}: {name}")
            )
            console.say(f"{media_id}: execution {result.status}")
            executions.append((video, up, result))
        interview = repo.get(tenant, interview_id)
        assert interview is not None
        artifacts = cloud.client("s3")
        media_docs, answers = [], []
        for video, up, result in executions:
            media_id = Path(up["key"]).stem
            record = interview.media.get(media_id)
            transcript = None
            if record is not None and record.transcript_key:
                loc = ObjectLocation(
                    bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], key=record.transcript_key
                )
                body = artifacts.get_object(Bucket=loc.bucket, Key=loc.key)["Body"].read()
                transcript = Transcript.model_validate_json(body)
                (target / f"{media_id}.transcript.json").write_bytes(body)
            if record is not None and record.analysis_key:
                body = artifacts.get_object(
                    Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=record.analysis_key
                )["Body"].read()
                (target / f"{media_id}.analysis.json").write_bytes(body)
                answers.extend(json.loads(body)["answers"])
            media_docs.append(
                {
                    "media_id": media_id,
                    "file": str(video),
                    "status": record.status.value if record else None,
                    "reason_code": record.reason_code.value if record and record.reason_code else None,
                    "reason": _reason(result),
                    "error": record.error if record else result.error,
                    "language": transcript.language if transcript else None,
                    "duration_s": transcript.duration_s
                    if transcript
                    else (record.duration_s if record else None),
                    "transcript": transcript.model_dump(mode="json", exclude={"model", "timings"})
                    if transcript
                    else None,
                    "asr": (
                        {"model": transcript.model.model_dump(mode="json"), "timings": transcript.timings}
                        if transcript
                        else None
                    ),
                    "execution": {"arn": result.arn, "status": result.status, "error": result.error},
                    "timings": {s["name"]: s.get("seconds") for s in result.states()},
                }
            )
        cloud.drain()  # the webhook and WeCom queues: deliveries made and attempted, notices sent or skipped
        webhooks = _deliveries(cloud, tenant, interview_id, endpoint)
        wecom = _notices(cloud, tenant, interview_id)
        for n in wecom:
            console.say(
                f"wecom {n['channel']} {n['recipient']}: {n['status']}"
                + (f" ({n['reason']})" if n["reason"] else "")
            )
        for w in webhooks:
            last = w["attempts"][-1] if w["attempts"] else {}
            console.say(
                f"webhook {w['event_type']} -> {w['url']}: {w['status']} ({last.get('status_code') or last.get('error')})"
            )
        score = None
        if interview.result_key:
            body = artifacts.get_object(
                Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=interview.result_key
            )["Body"].read()
            (target / "scores.json").write_bytes(body)
            score = json.loads(body)
            report_key = interview.result_key.rsplit("/", 1)[0] + "/report.html"
            (target / "report.html").write_bytes(
                artifacts.get_object(Bucket=cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET], Key=report_key)[
                    "Body"
                ].read()
            )
    log_handle.close()
    statuses = {m["status"] for m in media_docs}
    code = EXIT_OK
    if "FAILED" in statuses or None in statuses:
        code = EXIT_FAILED
    elif "REJECTED" in statuses:
        code = EXIT_REJECTED
    document = {
        "interview_id": interview_id,
        "tenant_id": tenant,
        "job_id": job,
        "job_version": job_version,
        "status": interview.status.value,
        "reason_code": next((m["reason_code"] for m in media_docs if m["reason_code"]), None),
        "language": next((m["language"] for m in media_docs if m["language"]), None),
        "overall_score": score["overall_score"] if score else None,
        "assessed_weight": score.get("assessed_weight") if score else None,
        "recommendation": score["recommendation"] if score else None,
        "competencies": score["competencies"] if score else [],
        "review_reasons": score["review_reasons"] if score else [],
        "questions": score["questions"] if score else [],
        "flags": score["flags"] if score else [f for a in answers for f in a["flags"]],
        "versions": score["versions"] if score else None,
        "media": media_docs,
        "answers": answers,
        "webhooks": webhooks,
        "wecom": wecom,
        "status_history": [h.model_dump(mode="json", exclude_none=True) for h in interview.status_history],
        "timings": (score["timings"] if score else {}) | {"total_s": round(time.perf_counter() - started, 3)},
        "output_dir": str(target),
    }
    (target / "result.json").write_text(json.dumps(document, ensure_ascii=False, indent=2))
    return document, code


def _register_webhook(cloud: Any, tenant: str, notify: Notify) -> Any:
    """The tenant's endpoint "cli": the URL given, or the local EHR receiver with a fresh secret."""
    from jiping.delivery.webhooks import new_secret, register_endpoint

    secret = notify.webhook_secret or new_secret()
    url = notify.webhook_url or cloud.ehr.url
    if notify.webhook_url is None:
        cloud.ehr.secrets[:] = [secret]
    store = bootstrap.webhook_store(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE])
    local = bootstrap.url_policy(
        allow_http=True, allow_private=True
    )  # the local cloud's functions allow the same
    return register_endpoint(
        store, tenant, "cli", url, validate_url=local.check_url, secret=secret, description="jiping evaluate"
    )


def _deliveries(cloud: Any, tenant: str, interview_id: str, endpoint: Any) -> list[dict[str, Any]]:
    from jiping.delivery.webhooks import summary

    store = bootstrap.webhook_store(cloud.outputs[constants.OUTPUT_WEBHOOKS_TABLE])
    found = [d for d in store.list_deliveries(tenant, endpoint.endpoint_id) if d.interview_id == interview_id]
    return [summary(d) | {"url": endpoint.url} for d in sorted(found, key=lambda d: d.created_at)]


def _notices(cloud: Any, tenant: str, interview_id: str) -> list[dict[str, Any]]:
    store = bootstrap.wecom_store(cloud.outputs[constants.OUTPUT_WECOM_STATE_TABLE])
    notices = sorted(store.for_interview(tenant, interview_id), key=lambda n: (n.at, n.channel))
    return [n.model_dump(mode="json") for n in notices]


def _reason(result: Any) -> str | None:
    """The probe's reason text for a rejection, from the execution output."""
    output = result.output or {}
    probe = output.get("probe") or {}
    return probe.get("detail") if probe.get("accepted") is False else None


def _measure(name: str, m: dict[str, Any]) -> str:
    if m.get("value") is None:
        return f"{name}: missing ({m.get('missing')})"
    unit = f" {m['unit']}" if m.get("unit") else ""
    return f"{name} {m['value']:g}{unit} (n={m['n']})"


def _measures(doc: dict[str, Any] | None) -> list[str]:
    """Every Measure of a signals document, as 'name value unit (n=…)' or 'name: missing (why)'."""
    return [
        _measure(k, v)
        for k, v in (doc or {}).items()
        if isinstance(v, dict) and "n" in v and ("value" in v or "missing" in v)
    ]


def print_summary(document: dict[str, Any], stream: TextIO) -> None:
    print(
        f"\nInterview {document['interview_id']} (job {document['job_id']}): {document['status']}",
        file=stream,
    )
    for m in document["media"]:
        print(f"\n  {m['media_id']} ({Path(m['file']).name}): {m['status']}", end="", file=stream)
        if m["reason_code"]:
            print(f"  [{m['reason_code']}] {m['reason'] or ''}", file=stream)
        elif m["error"]:
            print(f"  error: {m['error']}", file=stream)
        elif ((m.get("asr") or {}).get("model") or {}).get("name") == "text-answer":
            print(f"  language={(m['transcript'] or {}).get('language')} written answer", file=stream)
        else:
            t = m["transcript"] or {}
            print(f"  language={t.get('language')} duration={m['duration_s']:.1f}s", file=stream)
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in m["timings"].items() if v)
        print(f"    stages: {timings}", file=stream)
    for a in document["answers"]:
        print(
            f"\n  Answer {a['question_id']} ({a['media_id']} {a['start']:.1f}-{a['end']:.1f}s)", file=stream
        )
        print(f"    {a['transcript']['text']}", file=stream)
        print("    speech: " + "; ".join(_measures(a.get("speech"))), file=stream)
        if a.get("vision"):
            print("    vision: " + "; ".join(_measures(a["vision"])), file=stream)
        else:
            print(f"    vision: missing ({a.get('vision_missing')})", file=stream)
        for f in a["flags"]:
            span = f" {f['start']:.1f}-{f['end']:.1f}s" if f.get("start") is not None else ""
            print(f"    flag {f['code']}{span}: {f['detail']}", file=stream)
    if document.get("overall_score") is not None:
        print(
            f"\n  Score {document['overall_score']:.1f}/100, recommendation: {document['recommendation']}",
            file=stream,
        )
        for c in document["competencies"]:
            score = f"{c['score']:.1f} level {c['level']}" if c.get("score") is not None else "not assessed"
            print(f"    {c['name']} ({c['id']}): {score}", file=stream)
            print(f"      {c['reason']}", file=stream)
        for reason in document["review_reasons"]:
            print(f"    review: {reason}", file=stream)
    for w in document.get("webhooks", []):
        last = w["attempts"][-1] if w["attempts"] else {}
        outcome = f"HTTP {last['status_code']}" if last.get("status_code") else last.get("error")
        print(
            f"\n  Webhook {w['event_type']} -> {w['url']}: {w['status']} after {len(w['attempts'])} attempt(s), "
            f"{outcome}, webhook-id {w['delivery_id']}",
            file=stream,
        )
    for n in document.get("wecom", []):
        why = f" ({n['reason']})" if n.get("reason") else ""
        print(f"  WeCom {n['channel']} -> {n['recipient']}: {n['status']}{why}", file=stream)
    print(
        f"\nOutputs: {document['output_dir']}/ (result.json, *.transcript.json, *.analysis.json, functions.log)",
        file=stream,
    )
    print(f"Total: {document['timings']['total_s']:.1f}s", file=stream)


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


def _submit_text(
    cloud: Any, repo: Any, tenant: str, interview_id: str, qid: str, path: Path
) -> dict[str, Any]:
    """Store a written answer as the API does; the bucket, key and version of the stored document."""
    from jiping.domain.models import utcnow
    from jiping.portal.text_answers import submit_text_answer, text_answer_key

    submit_text_answer(
        repo,
        bootstrap.object_store(),
        cloud.uploads_bucket,
        tenant,
        interview_id,
        qid,
        path.read_text(encoding="utf-8"),
        utcnow(),
    )
    key = text_answer_key(tenant, interview_id, qid)
    head = cloud.client("s3").head_object(Bucket=cloud.uploads_bucket, Key=key)
    return {"bucket": cloud.uploads_bucket, "key": key, "version_id": head.get("VersionId")}


def _run(
    videos: list[Path],
    job: str,
    tenant: str,
    out: Path,
    as_json: bool,
    questions: Sequence[dict[str, Any]] = (),
    job_version: int | None = None,
    profile: Any = None,
    notify: Notify = Notify(),
    consent_version: str | None = None,
    texts: Sequence[tuple[str, Path]] = (),
) -> int:
    missing = [str(v) for v in [*videos, *(p for _, p in texts)] if not v.is_file()]
    if missing:
        print(f"jiping: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    console = Console()
    document, code = evaluate(
        videos, job, tenant, out, console, questions, job_version, profile, notify, consent_version, texts
    )
    if as_json:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_summary(document, sys.stdout)
    return code


def serve(port: int, tenant: str) -> int:
    """The API as API Gateway would run it, on the local cloud; an API key for ``tenant`` is printed."""
    import signal
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from jiping.portal.interviews import mint_key

    from infra.localcloud.api_gateway import LocalApi
    from infra.localcloud.cloud import LocalCloud

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            print(
                f"{self.command} {self.path.split('?')[0]} -> {args[1] if len(args) > 1 else ''}",
                file=sys.stderr,
            )

    console = Console()
    console.say("starting the local cloud")
    with LocalCloud() as cloud:
        key = mint_key(bootstrap.api_key_store(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant)
        server = make_server("127.0.0.1", port, LocalApi(cloud).wsgi, handler_class=Quiet)
        print(f"Jiping API on http://127.0.0.1:{server.server_port}/v1/ (OpenAPI: /openapi.json)", flush=True)
        print(f"tenant {tenant!r} API key: {key}", flush=True)
        print(f"local EHR receiver: {cloud.ehr.url}   WeCom stand-in: {cloud.wecom.api_base}", flush=True)

        # Ctrl-C (or SIGTERM) asks the loop to stop from a thread of its own: a KeyboardInterrupt raised while
        # wsgiref is finishing a request is swallowed by its handler's bare except, and the server went on.
        def stop(*_: object) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        server.serve_forever()
        server.server_close()
        # The local cloud lives in this process's memory, so work still in flight (a workflow mid-stage,
        # the judge reading an answer, a worker pool's queued frames) has nowhere to go: leave now rather
        # than stop the cloud, whose pollers wait up to 10 s each for the stage they run, and then the
        # interpreter's exit joining every pool thread (together more than 30 s in CI).
        print("stopped; work in flight is dropped with the local cloud", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(EXIT_OK)
    return EXIT_OK  # not reached: the local cloud is left with the process


def redrive_cli(sfn: Any, state_machine: str, executions: list[str], since_hours: float | None) -> int:
    """``jiping redrive``: one line per execution, the exit status 1 when any could not be redriven."""
    from datetime import UTC, datetime, timedelta

    from jiping.adapters.redrive import NotRedrivable, redrive, unsuccessful_since

    arns = list(executions)
    if since_hours is not None:
        arns += unsuccessful_since(sfn, state_machine, datetime.now(UTC) - timedelta(hours=since_hours))
    if not arns:
        print("jiping: nothing to redrive (give --execution ARN or --since-hours H)", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for arn in dict.fromkeys(arns):
        try:
            done = redrive(sfn, arn)
        except NotRedrivable as exc:
            print(f"{arn}\tskipped\t{exc.code}: {exc}")
            status = 1
            continue
        print(f"{arn}\t{'started' if done.started else 'already redriven'}\t{done.execution_arn}")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    parser = argparse.ArgumentParser(
        prog="jiping", description="Jiping (即评) operator CLI, on the local cloud"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate interview answer clips through the whole workflow")
    ev.add_argument("videos", nargs="*", type=Path, metavar="VIDEO")
    ev.add_argument("--job", required=True, help="a job id, or a job-profile file (YAML/JSON, see profiles/)")
    ev.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="QUESTION_ID=CLIP",
        help="the clip that answers a question (repeat per question)",
    )
    ev.add_argument(
        "--text-answer",
        action="append",
        default=[],
        metavar="QUESTION_ID=FILE",
        help="a written answer (UTF-8 text file) to a question; mixes with --answer (repeat per question)",
    )
    ev.add_argument("--tenant", default="demo")
    ev.add_argument("--out", type=Path, default=Path("out"))
    ev.add_argument("--json", action="store_true", help="print the result document as JSON on stdout")
    ev.add_argument(
        "--questions",
        "--timeline",
        dest="questions",
        type=Path,
        help="JSON list of questions: {question_id, text?, media_id?} per clip, or {question_id, start_s, "
        "end_s?} entries forming the question timeline of one video",
    )
    ev.add_argument(
        "--webhook-url", help="the EHR endpoint to sign deliveries to (default: the local EHR receiver)"
    )
    ev.add_argument("--webhook-secret", help="its whsec_ secret (default: a new one)")
    ev.add_argument(
        "--hr-wecom-user",
        action="append",
        default=[],
        metavar="USERID",
        help="a WeCom directory member to tell (repeat; default: none, recorded as skipped)",
    )
    ev.add_argument(
        "--candidate-wecom-id",
        metavar="EXTERNAL_USERID",
        help="the candidate's WeCom external contact id",
    )
    ev.add_argument(
        "--wecom-api-base", metavar="URL", help="the WeCom API to call (default: the local stand-in)"
    )
    ev.add_argument(
        "--biometric-consent",
        metavar="VERSION",
        help="the version of the consent text the candidate separately agreed to for video (face) analysis; "
        "without it only the audio is analysed (PIPL art. 29)",
    )
    serve_cmd = sub.add_parser("serve", help="run the HR-portal API on 127.0.0.1 against the local cloud")
    serve_cmd.add_argument("--port", type=int, default=8787)
    serve_cmd.add_argument("--tenant", default="demo", help="the tenant of the API key printed at start")
    key_cmd = sub.add_parser("api-key", help="mint a tenant's API key in a deployed stack (AWS credentials)")
    key_cmd.add_argument("--tenant", required=True)
    key_cmd.add_argument("--table", required=True, help="the stack's ApiKeysTableName output")
    key_cmd.add_argument("--region", help="default: your AWS profile's region")
    redrive_cmd = sub.add_parser(
        "redrive",
        help="evaluate again the uploads whose executions failed, in a deployed stack (AWS credentials)",
    )
    redrive_cmd.add_argument("--state-machine", required=True, help="the stack's StateMachineArn output")
    redrive_cmd.add_argument(
        "--execution", action="append", default=[], metavar="ARN", help="repeat per execution"
    )
    redrive_cmd.add_argument(
        "--since-hours",
        type=float,
        help="every execution that failed, timed out or was aborted in the last H hours",
    )
    redrive_cmd.add_argument("--region", help="default: your AWS profile's region")
    cli_analytics.add_parser(sub)
    capacity.add_parser(sub)
    demo = sub.add_parser("demo", help="evaluate the sample interview in events/media/")
    demo.add_argument("--out", type=Path, default=Path("out") / "demo")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--hr-wecom-user", action="append", default=None, metavar="USERID")
    demo.add_argument("--candidate-wecom-id", default=DEMO_CANDIDATE, metavar="EXTERNAL_USERID")
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        try:
            job = resolve_job(args.job)
            videos, questions, texts = plan_inputs(
                list(args.videos), args.answer, args.questions, job, args.text_answer
            )
            notify = notify_from(
                args.webhook_url,
                args.webhook_secret,
                args.hr_wecom_user,
                args.candidate_wecom_id,
                args.wecom_api_base,
            )
        except UsageError as exc:
            print(f"jiping: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return _run(
            videos,
            job.job_id,
            args.tenant,
            args.out,
            args.json,
            questions,
            job.version,
            job.profile,
            notify,
            args.biometric_consent,
            texts,
        )
    if args.command == "serve":
        return serve(args.port, args.tenant)
    if args.command == "analytics":
        return cli_analytics.run(args)
    if args.command == "capacity":
        return capacity.run(args)
    if args.command == "redrive":
        import boto3

        return redrive_cli(
            boto3.client("stepfunctions", region_name=args.region),
            args.state_machine,
            args.execution,
            args.since_hours,
        )
    if args.command == "api-key":
        from jiping.portal.interviews import mint_key

        try:
            import boto3

            region = args.region or boto3.session.Session().region_name
            if not region:
                raise UsageError("no AWS region: give --region or configure one")
            print(mint_key(bootstrap.api_key_store(args.table, region=region), args.tenant))
        except ValueError as exc:
            print(f"jiping: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    sample = [c for c in json.loads(SAMPLE.read_text()) if c.get("quality", "strong") == "strong"]
    job = resolve_job(str(DEMO_PROFILE))
    clips, questions, _ = plan_inputs(
        [], [f"{c['question_id']}={SAMPLE.parent / c['file']}" for c in sample], None, job
    )
    notify = Notify(
        hr_wecom_users=tuple(args.hr_wecom_user or DEMO_HR), candidate_wecom_id=args.candidate_wecom_id
    )
    # The sample clips are synthetic (scripts/make_sample_media.py): no person's face; the demo records
    # the consent a portal would have recorded, so that the whole workflow, vision included, runs.
    return _run(
        clips,
        job.job_id,
        "demo",
        args.out,
        args.json,
        questions,
        job.version,
        job.profile,
        notify,
        DEMO_CONSENT_VERSION,
    )


if __name__ == "__main__":
    raise SystemExit(main())
