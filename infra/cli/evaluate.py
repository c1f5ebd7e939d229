"""``jiping evaluate`` / ``demo``: one interview through the local cloud, and the result document."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from jiping import bootstrap

from infra import constants
from infra.cli.inputs import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REJECTED,
    Console,
    Notify,
    new_interview_id,
    safe_filename,
)


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
        endpoint = _prepare_tenant(cloud, tenant, profile, notify, console)
        _create(repo, tenant, interview_id, job, questions, job_version, notify, consent_version, console)
        uploads = _upload(cloud, repo, tenant, interview_id, videos, texts, console)
        executions = _wait(cloud, uploads, console)
        interview = repo.get(tenant, interview_id)
        assert interview is not None
        media_docs, answers = [], []
        for source, up, result in executions:
            doc, media_answers = _media_document(cloud, interview, source, up, result, target)
            media_docs.append(doc)
            answers.extend(media_answers)
        cloud.drain()  # the webhook and WeCom queues: deliveries made and attempted, notices sent or skipped
        webhooks = _deliveries(cloud, tenant, interview_id, endpoint)
        wecom = _notices(cloud, tenant, interview_id)
        _say_deliveries(console, webhooks, wecom)
        score = _fetch_score(cloud, interview, target)
    log_handle.close()
    document = {
        "interview_id": interview_id,
        "tenant_id": tenant,
        "job_id": job,
        "job_version": job_version,
        "status": interview.status.value,
        "reason_code": next((m["reason_code"] for m in media_docs if m["reason_code"]), None),
        "language": next((m["language"] for m in media_docs if m["language"]), None),
        **_score_fields(score, answers),
        "media": media_docs,
        "answers": answers,
        "webhooks": webhooks,
        "wecom": wecom,
        "status_history": [h.model_dump(mode="json", exclude_none=True) for h in interview.status_history],
        "timings": (score["timings"] if score else {}) | {"total_s": round(time.perf_counter() - started, 3)},
        "output_dir": str(target),
    }
    (target / "result.json").write_text(json.dumps(document, ensure_ascii=False, indent=2))
    return document, _exit_code(media_docs)


def _prepare_tenant(cloud: Any, tenant: str, profile: Any, notify: Notify, console: Console) -> Any:
    """What a portal does first: store the profile version, register the webhook; the WeCom stand-in."""
    if profile is not None:  # what a portal does through the profiles API: the tenant's profile version
        from jiping.domain.errors import ProfileVersionExists

        with contextlib.suppress(ProfileVersionExists):  # already stored: versions are immutable
            bootstrap.profile_repository(cloud.outputs[constants.OUTPUT_PROFILES_TABLE]).put(tenant, profile)
    endpoint = _register_webhook(cloud, tenant, notify)
    console.say(f"webhook endpoint {endpoint.url} (tenant {tenant!r}) gets {', '.join(endpoint.event_types)}")
    if notify.wecom_api_base:
        overrides = cloud.overrides.get("NotifyWecom", {})
        cloud.overrides["NotifyWecom"] = overrides | {"WECOM_API_BASE": notify.wecom_api_base}
    return endpoint


def _create(
    repo: Any,
    tenant: str,
    interview_id: str,
    job: str,
    questions: Sequence[dict[str, Any]],
    job_version: int | None,
    notify: Notify,
    consent_version: str | None,
    console: Console,
) -> None:
    from jiping.domain.models import Question, WecomRecipients
    from jiping.portal.interviews import create_interview

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
    questions_in = [Question.model_validate(q) for q in questions]
    create_interview(repo, tenant, interview_id, job, questions_in, job_version, recipients, consent)
    if consent is None:
        console.say("no --biometric-consent: the video is not analysed, only the audio")
    console.say(f"interview {interview_id} created for job {job!r} (tenant {tenant!r})")


def _upload(
    cloud: Any,
    repo: Any,
    tenant: str,
    interview_id: str,
    videos: Sequence[Path],
    texts: Sequence[tuple[str, Path]],
    console: Console,
) -> list[tuple[Path, dict[str, Any], str]]:
    """Every clip uploaded and every written answer stored: (source, object, execution ARN)."""
    uploads = []
    for i, video in enumerate(videos):
        up = cloud.upload(video, tenant, interview_id, safe_filename(video, i))
        console.say(f"uploaded {video.name} -> s3://{up['bucket']}/{up['key']}")
        uploads.append((video, up, cloud.execution_arn(**up)))
    for qid, path in texts:
        up = _submit_text(cloud, repo, tenant, interview_id, qid, path)
        console.say(f"text answer {path.name} -> s3://{up['bucket']}/{up['key']}")
        uploads.append((path, up, cloud.execution_arn(**up)))
    return uploads


def _wait(
    cloud: Any, uploads: list[tuple[Path, dict[str, Any], str]], console: Console
) -> list[tuple[Path, dict[str, Any], Any]]:
    executions = []
    for source, up, arn in uploads:
        media_id = Path(up["key"]).stem
        result = cloud.wait_for_execution(arn, on_state=lambda name, m=media_id: console.say(f"{m}: {name}"))
        console.say(f"{media_id}: execution {result.status}")
        executions.append((source, up, result))
    return executions


def _artifact(cloud: Any, key: str) -> bytes:
    bucket = cloud.outputs[constants.OUTPUT_ARTIFACTS_BUCKET]
    return bytes(cloud.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _media_document(
    cloud: Any, interview: Any, source: Path, up: dict[str, Any], result: Any, target: Path
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One upload's part of the result document (its transcript and analysis saved beside it)."""
    from jiping.domain.models import Transcript

    media_id = Path(up["key"]).stem
    record = interview.media.get(media_id)
    transcript, answers = None, []
    if record is not None and record.transcript_key:
        body = _artifact(cloud, record.transcript_key)
        transcript = Transcript.model_validate_json(body)
        (target / f"{media_id}.transcript.json").write_bytes(body)
    if record is not None and record.analysis_key:
        body = _artifact(cloud, record.analysis_key)
        (target / f"{media_id}.analysis.json").write_bytes(body)
        answers = json.loads(body)["answers"]
    doc = {
        "media_id": media_id,
        "file": str(source),
        "status": record.status.value if record else None,
        "reason_code": record.reason_code.value if record and record.reason_code else None,
        "reason": _reason(result),
        "error": record.error if record else result.error,
        "language": transcript.language if transcript else None,
        "duration_s": transcript.duration_s if transcript else (record.duration_s if record else None),
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
    return doc, answers


def _say_deliveries(console: Console, webhooks: list[dict[str, Any]], wecom: list[dict[str, Any]]) -> None:
    for n in wecom:
        reason = f" ({n['reason']})" if n["reason"] else ""
        console.say(f"wecom {n['channel']} {n['recipient']}: {n['status']}{reason}")
    for w in webhooks:
        last = w["attempts"][-1] if w["attempts"] else {}
        outcome = last.get("status_code") or last.get("error")
        console.say(f"webhook {w['event_type']} -> {w['url']}: {w['status']} ({outcome})")


def _fetch_score(cloud: Any, interview: Any, target: Path) -> dict[str, Any] | None:
    """The result document and the report, saved beside the results (None when nothing was scored)."""
    if not interview.result_key:
        return None
    body = _artifact(cloud, interview.result_key)
    (target / "scores.json").write_bytes(body)
    report_key = interview.result_key.rsplit("/", 1)[0] + "/report.html"
    (target / "report.html").write_bytes(_artifact(cloud, report_key))
    return dict(json.loads(body))


def _score_fields(score: dict[str, Any] | None, answers: list[dict[str, Any]]) -> dict[str, Any]:
    if score is None:
        return {
            "overall_score": None,
            "assessed_weight": None,
            "recommendation": None,
            "competencies": [],
            "review_reasons": [],
            "questions": [],
            "flags": [f for a in answers for f in a["flags"]],
            "versions": None,
        }
    return {
        "overall_score": score["overall_score"],
        "assessed_weight": score.get("assessed_weight"),
        "recommendation": score["recommendation"],
        "competencies": score["competencies"],
        "review_reasons": score["review_reasons"],
        "questions": score["questions"],
        "flags": score["flags"],
        "versions": score["versions"],
    }


def _exit_code(media_docs: list[dict[str, Any]]) -> int:
    statuses = {m["status"] for m in media_docs}
    if "FAILED" in statuses or None in statuses:
        return EXIT_FAILED
    if "REJECTED" in statuses:
        return EXIT_REJECTED
    return EXIT_OK


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
    )  # the local cloud's functions allow it too
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
