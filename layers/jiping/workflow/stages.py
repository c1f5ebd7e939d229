"""The workflow's stages as plain functions over ports: what each Lambda or container entrypoint calls.

Each function is idempotent for a given input, because Step Functions retries tasks and S3 and
EventBridge deliver at least once.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from jiping.domain.answers import AnalysisPlan, AnswerAnalysis, assemble_answers, plan_analysis
from jiping.domain.errors import (
    STAGE_FAILED_ERROR,
    UNRECORDED_CAUSE,
    InterviewErased,
    InvalidUploadKey,
    NotFound,
)
from jiping.domain.models import (
    UNSUCCESSFUL_EXECUTION_STATUSES,
    AsrTier,
    DomainEvent,
    ExecutionEnded,
    ExecutionInput,
    Interview,
    InterviewStatus,
    MediaRecord,
    ObjectLocation,
    PersistRequest,
    ProbeResult,
    StatusChange,
    TranscribeRequest,
    Transcript,
    TranscriptionSummary,
    UploadRef,
    check_id,
    utcnow,
)
from jiping.perception import probe as media
from jiping.portal.audit import SYSTEM, AuditRecord, AuditSink
from jiping.portal.text_answers import parse_text_answer
from jiping.ports import EventPublisher, InterviewRepository, ObjectStore, WorkflowStarter
from jiping.settings import ProbeSettings, TranscribeSettings

_EVENT_TYPES = {
    "TRANSCRIBED": "interview.transcribed",
    "REJECTED": "interview.rejected",
    "FAILED": "interview.failed",
}
MAX_ERROR_CHARS = 2000


# --- StartEvaluation ----------------------------------------------------------------------------


def media_id_for(filename: str) -> str:
    """The media id of an uploaded file: its name without the extension when that is a plain id (the
    upload forms name files by question), else ``file-`` + a hash of the name, so a hostile or odd name
    (shell or HTML characters, spaces, 240 characters) is processed under a safe id and never used."""
    stem = PurePosixPath(filename).stem or filename
    try:
        return check_id(stem, "media file name")
    except ValueError:
        return "file-" + hashlib.sha256(filename.encode()).hexdigest()[:16]


def execution_input_for(upload: UploadRef, received_at: datetime, uploads_prefix: str) -> ExecutionInput:
    """Map an uploaded object to the execution that evaluates it; the key carries tenant and interview."""
    if not upload.key.startswith(uploads_prefix):
        raise InvalidUploadKey(f"key outside {uploads_prefix!r}")
    parts = PurePosixPath(upload.key[len(uploads_prefix) :]).parts
    if len(parts) != 3:
        raise InvalidUploadKey("expected uploads/{tenant_id}/{interview_id}/{file}")
    tenant_id, interview_id, filename = parts
    try:
        for value, what in ((tenant_id, "tenant_id"), (interview_id, "interview_id")):
            check_id(value, what)
    except ValueError as exc:
        raise InvalidUploadKey(str(exc)) from exc
    media_id = media_id_for(filename)
    return ExecutionInput(
        upload=upload,
        tenant_id=tenant_id,
        interview_id=interview_id,
        media_id=media_id,
        artifact_prefix=f"{tenant_id}/{interview_id}/{media_id}",
        received_at=received_at,
    )


class Started(StrEnum):
    STARTED = "started"
    DUPLICATE = "duplicate"  # the same object version again (S3 and EventBridge deliver at least once)
    REFUSED = "refused"  # a later version of a key that has had its evaluation


def start_evaluation(
    upload: UploadRef,
    received_at: datetime,
    uploads_prefix: str,
    starter: WorkflowStarter,
    audit: AuditSink | None = None,
    audit_retention_days: int = 1095,
) -> Started:
    """Start the evaluation of one uploaded object. Each upload key is evaluated once: a later version
    (an upload form used again within its hour) starts nothing and is recorded in the interview's audit
    log (``upload_refused``, with both versions), so nothing is silently re-evaluated."""
    execution_input = execution_input_for(upload, received_at, uploads_prefix)
    name = ExecutionInput.execution_name(upload)
    if starter.start(name, execution_input):
        return Started.STARTED
    first = starter.started_with(name)
    if first is None or first.upload.version_id == upload.version_id:
        return Started.DUPLICATE
    if audit is not None:
        at = received_at  # the upload event's time: a redelivered event finds its record already there
        audit.append(
            AuditRecord(
                tenant_id=execution_input.tenant_id,
                interview_id=execution_input.interview_id,
                at=at,
                kind="upload_refused",
                actor=SYSTEM,
                details={
                    "media_id": execution_input.media_id,
                    "reason": "UPLOAD_KEY_ALREADY_EVALUATED",
                    "evaluated_version": first.upload.version_id,
                    "refused_version": upload.version_id,
                },
                expires_at=at + timedelta(days=audit_retention_days),
            )
        )
    return Started.REFUSED


# --- ProbeMedia ---------------------------------------------------------------------------------

TEXT_ANSWER_MAX_BYTES = 64 * 1024  # a text answer's document: 8,000 characters of 4 bytes, with room


def probe_upload(upload: UploadRef, settings: ProbeSettings, store: ObjectStore) -> ProbeResult:
    """Fetch the upload and probe it. Oversized uploads are rejected before any byte is fetched."""
    if upload.size > settings.max_media_bytes:
        return media.probe(Path("/nonexistent"), upload.size, settings)
    with tempfile.TemporaryDirectory(prefix="jiping-probe-") as tmp:
        path = Path(tmp) / "upload"
        size = store.download(upload, path)
        if size <= TEXT_ANSWER_MAX_BYTES and parse_text_answer(path.read_bytes()) is not None:
            # A written answer (jiping.portal.text_answers): no media to probe; the workflow skips transcription
            # and vision for it.
            return ProbeResult(accepted=True, route="text", container="text", size_bytes=size)
        return media.probe(path, size, settings)


# --- Transcribe ---------------------------------------------------------------------------------


def transcribe_object(
    request: TranscribeRequest, settings: TranscribeSettings, store: ObjectStore
) -> TranscriptionSummary:
    """Transcribe the source object and store transcript.json at the requested output location."""
    from jiping.perception.transcription import load_model, transcribe

    loaded = load_model(settings)
    with tempfile.TemporaryDirectory(prefix="jiping-asr-") as tmp:
        path = Path(tmp) / "media"
        store.download(request.source, path)
        transcript = transcribe(path, loaded, settings, language=request.language)
    version = store.put_json(request.output, transcript.model_dump(mode="json"))
    output = request.output.model_copy(update={"version_id": version})
    return TranscriptionSummary.of(transcript, output)


def transcribe_objects(
    requests: Sequence[TranscribeRequest], settings: TranscribeSettings, store: ObjectStore
) -> list[dict[str, Any] | Exception]:
    """A pool worker's pass: several source objects transcribed with their speech batched together
    (``transcribe_many``); each clip's transcript is stored, or its error is its outcome alone."""
    from jiping.perception.transcription import load_model, transcribe_many

    loaded = load_model(settings)
    with tempfile.TemporaryDirectory(prefix="jiping-asr-") as tmp:
        paths: list[Path] = []
        downloaded: list[Exception | None] = []
        for i, request in enumerate(requests):
            path = Path(tmp) / f"media-{i}"
            try:
                store.download(request.source, path)
                downloaded.append(None)
            except Exception as exc:  # noqa: BLE001 - this clip's outcome; the others go on
                downloaded.append(exc)
            paths.append(path)
        ok = [i for i, failed in enumerate(downloaded) if failed is None]
        transcripts = transcribe_many(
            [paths[i] for i in ok], [requests[i].language for i in ok], loaded, settings
        )
    outcomes: list[dict[str, Any] | Exception] = [
        failed or RuntimeError("unreached") for failed in downloaded
    ]
    for i, transcript in zip(ok, transcripts, strict=True):
        if isinstance(transcript, Exception):
            outcomes[i] = transcript
            continue
        try:
            version = store.put_json(requests[i].output, transcript.model_dump(mode="json"))
            output = requests[i].output.model_copy(update={"version_id": version})
            outcomes[i] = TranscriptionSummary.of(transcript, output).model_dump(mode="json")
        except Exception as exc:  # noqa: BLE001 - this clip's outcome
            outcomes[i] = exc
    return outcomes


# --- Persist ------------------------------------------------------------------------------------


def _media_record(
    request: PersistRequest, transcript: Transcript | None, plan: AnalysisPlan | None
) -> MediaRecord:
    state = request.input
    probe = state.probe
    return MediaRecord(
        media_id=state.media_id,
        status=InterviewStatus(request.outcome),
        key=state.upload.key,
        version_id=state.upload.version_id,
        execution_id=request.execution_id,
        duration_s=probe.duration_s if probe else None,
        language=transcript.language if transcript else None,
        transcript_key=plan.transcribe_request.output.key if plan else None,
        analysis_key=plan.analysis_output.key if plan else None,
        reason_code=probe.reason_code if probe and request.outcome == "REJECTED" else None,
        error=_error_text(request) if request.outcome == "FAILED" else None,
        updated_at=utcnow(),
    )


def _error_text(request: PersistRequest) -> str | None:
    """The stage error as stored: its name and message (a Lambda cause is the runtime's JSON)."""
    err = request.input.error
    if err is None:
        return None
    message = err.cause or ""
    try:
        cause = json.loads(message)
    except ValueError:
        cause = None
    if isinstance(cause, dict):
        message = str(
            cause.get("errorMessage") or cause.get("statusReason") or cause.get("StatusReason") or ""
        )
    return (f"{err.error}: {message}" if message else err.error)[:MAX_ERROR_CHARS]


def plan_answers(
    execution: ExecutionInput,
    repo: InterviewRepository,
    artifacts_bucket: str,
    default_tier: AsrTier = "cpu",
) -> AnalysisPlan:
    """Decide the answer windows of one media object and the requests of the analysis stages."""
    interview = repo.get(execution.tenant_id, execution.interview_id)
    return plan_analysis(execution, interview, artifacts_bucket, default_tier)


def _optional_json(store: ObjectStore, location: ObjectLocation) -> Any:
    try:
        return store.get_json(location)
    except NotFound:
        return None


def _analysis(
    request: PersistRequest, store: ObjectStore
) -> tuple[Transcript, list[AnswerAnalysis], AnalysisPlan]:
    """Read the stages' outputs and cut them into answers (for a TRANSCRIBED outcome)."""
    state = request.input
    if state.plan is None:
        raise ValueError("a TRANSCRIBED outcome needs the analysis plan in the workflow state")
    plan = AnalysisPlan.model_validate(state.plan)
    transcript = Transcript.model_validate(store.get_json(plan.transcribe_request.output))
    speech = _optional_json(store, ObjectLocation.model_validate(plan.audio_request["output"]))
    vision_result = (state.analysis or {}).get("vision") or {}
    vision_missing = vision_result.get("missing")
    vision_track = None
    if not vision_missing:
        vision_track = _optional_json(store, ObjectLocation.model_validate(plan.vision_request["output"]))
        vision_missing = None if vision_track else "the vision stage wrote no track"
    answers = assemble_answers(plan, transcript, speech, vision_track, vision_missing)
    store.put_json(
        plan.analysis_output,
        {"media_id": state.media_id, "answers": [a.model_dump(mode="json") for a in answers]},
    )
    return transcript, answers, plan


def _processing_row(state: ExecutionInput, now: datetime) -> Interview:
    """The row of an interview whose media arrived without a registration (no portal interview)."""
    return Interview(
        tenant_id=state.tenant_id,
        interview_id=state.interview_id,
        status=InterviewStatus.PROCESSING,
        created_at=now,
        updated_at=now,
    )


def record_outcome(request: PersistRequest, repo: InterviewRepository, store: ObjectStore) -> DomainEvent:
    """Store the outcome of one execution on the interview row; return the event to publish.

    Idempotent: a retried call with the same execution and outcome changes nothing twice.
    """
    state = request.input
    transcript: Transcript | None = None
    answers: list[AnswerAnalysis] = []
    plan: AnalysisPlan | None = None
    if request.outcome == "TRANSCRIBED":
        transcript, answers, plan = _analysis(request, store)
    record = _media_record(request, transcript, plan)
    record.flags = sorted({f.code.value for a in answers for f in a.flags})
    record.questions = [a.question_id for a in answers]
    change = StatusChange(
        status=record.status,
        at=record.updated_at,
        media_id=record.media_id,
        reason_code=record.reason_code,
        error=record.error,
        execution_id=request.execution_id,
    )

    def apply(current: Interview | None) -> Interview:
        now = record.updated_at
        interview = current or _processing_row(state, now)
        already = any(
            h.execution_id == request.execution_id and h.status == change.status
            for h in interview.status_history
        )
        if not already:
            interview.status_history.append(change)
        interview.media[record.media_id] = record
        interview.status = _overall_status(interview)
        interview.updated_at = now
        return interview

    interview = repo.update(state.tenant_id, state.interview_id, apply)
    data: dict[str, object] = {
        "media_id": record.media_id,
        "status": record.status.value,
        "interview_status": interview.status.value,
        "execution_id": request.execution_id,
    }
    if interview.practice:
        data["practice"] = True  # publish_event keeps it off the bus
    if record.reason_code:
        data["reason_code"] = record.reason_code.value
        data["reason"] = state.probe.detail if state.probe else None
    if record.error:
        data["error"] = state.error.error if state.error else None
    if transcript is not None and plan is not None:
        data |= {
            "language": transcript.language,
            "duration_s": transcript.duration_s,
            "questions": [a.question_id for a in answers],
            "flags": record.flags,
            "ready_to_score": interview.ready_to_score(),
            "transcript": plan.transcribe_request.output.model_dump(),
            "analysis": plan.analysis_output.model_dump(),
        }
    return DomainEvent(
        id=DomainEvent.stable_id(request.execution_id, request.outcome),
        type=_EVENT_TYPES[request.outcome],  # type: ignore[arg-type]
        time=record.updated_at,
        tenant_id=state.tenant_id,
        interview_id=state.interview_id,
        data=data,
    )


def record_unfinished(
    ended: ExecutionEnded,
    repo: InterviewRepository,
    on_erased: Callable[[str, str], object] = lambda t, i: None,
) -> DomainEvent | None:
    """Record FAILED for an execution that ended without recording its own end; the event to publish.

    Every stage error is caught by the workflow, which records and publishes it itself. What it cannot
    catch ends the execution with nothing recorded: a ``States.Runtime`` error (a stage returned
    something the next state cannot read), the execution's timeout, an operator's StopExecution, or
    the failure path failing too (``FailedUnrecorded``). Step Functions then still sends a status change
    event, and this records it. Idempotent, and it never overwrites what the workflow recorded itself
    or what a later execution (a redrive) recorded for the same media.
    """
    if ended.status not in UNSUCCESSFUL_EXECUTION_STATUSES:
        return None
    state = ended.input
    error = ended.error or f"Execution{ended.status.title().replace('_', '')}"
    text = f"{error}: {ended.cause}" if ended.cause else error
    if ended.status != "FAILED":
        text += f" (execution {ended.status})"
    now = utcnow()
    record = MediaRecord(
        media_id=state.media_id,
        status=InterviewStatus.FAILED,
        key=state.upload.key,
        version_id=state.upload.version_id,
        execution_id=ended.execution_arn,
        error=text[:MAX_ERROR_CHARS],
        updated_at=now,
        recorded_by="watchdog",
    )

    def ours(media: MediaRecord | None) -> bool:
        return (
            media is not None
            and media.execution_id == ended.execution_arn
            and media.recorded_by == "watchdog"
        )

    def apply(current: Interview | None) -> Interview:
        interview = current or _processing_row(state, now)
        media = interview.media.get(state.media_id)
        if media is not None and (
            media.execution_id == ended.execution_arn or media.updated_at >= ended.start_date
        ):
            return interview  # this execution's end is recorded (by the workflow or by us), or a later one's
        interview.media[state.media_id] = record
        interview.status_history.append(
            StatusChange(
                status=InterviewStatus.FAILED,
                at=now,
                media_id=state.media_id,
                error=record.error,
                execution_id=ended.execution_arn,
            )
        )
        interview.status = _overall_status(interview)
        interview.updated_at = now
        return interview

    try:
        interview = repo.update(state.tenant_id, state.interview_id, apply)
    except InterviewErased:  # erased while the execution ran: nothing to record, its leftovers to delete
        on_erased(state.tenant_id, state.interview_id)
        return None
    stored = interview.media.get(state.media_id)
    # RecordFailed stored it but PublishFailed failed: publish it now (the same id, so at most once downstream)
    unpublished = (
        ended.error == STAGE_FAILED_ERROR
        and ended.cause == UNRECORDED_CAUSE
        and stored is not None
        and stored.execution_id == ended.execution_arn
        and stored.status is InterviewStatus.FAILED
    )
    if not (ours(stored) or unpublished):
        return None
    assert stored is not None
    return DomainEvent(  # the id the workflow's own PublishFailed would have used: one event either way
        id=DomainEvent.stable_id(ended.execution_arn, "FAILED"),
        type="interview.failed",
        time=stored.updated_at,
        tenant_id=state.tenant_id,
        interview_id=state.interview_id,
        data={
            "media_id": state.media_id,
            "status": InterviewStatus.FAILED.value,
            "interview_status": interview.status.value,
            "execution_id": ended.execution_arn,
            "error": error,
        }
        | ({"practice": True} if interview.practice else {}),
    )


def _overall_status(interview: Interview) -> InterviewStatus:
    """The interview's status from its media: FAILED wins, then REJECTED, then TRANSCRIBED; SCORED stays."""
    statuses = {m.status for m in interview.media.values()}
    if interview.status is InterviewStatus.SCORED and statuses <= {InterviewStatus.TRANSCRIBED}:
        return InterviewStatus.SCORED
    for status in (InterviewStatus.FAILED, InterviewStatus.REJECTED):
        if status in statuses:
            return status
    if statuses == {InterviewStatus.TRANSCRIBED}:
        return InterviewStatus.TRANSCRIBED
    return InterviewStatus.PROCESSING


# --- Publish ------------------------------------------------------------------------------------


def publish_event(event: DomainEvent, publisher: EventPublisher) -> bool:
    """Put the event on the bus; a practice interview's events stay off it (no webhook, no HR notice, no
    analytics: the candidate reads the feedback on the candidate page). Returns whether it was published."""
    if event.data.get("practice"):
        return False
    publisher.publish([event])
    return True
