"""Text answers (文字作答): a candidate answers a question in writing instead of on camera.

The API (``POST /v1/interviews/{id}/answers/{question_id}``) and ``jiping evaluate --text-answer`` call
``submit_text_answer``, which stores the answer as a small JSON document at
``uploads/{tenant}/{interview}/{question_id}.json``: the same bucket and the same S3 event as a recorded
answer, so the same workflow runs. ProbeMedia recognises the document by its content
(``parse_text_answer``) and routes it to ``TranscribeText``, which turns the text into a transcript
without any model; transcription and vision are skipped and the answer is scored like a spoken one.

Rules: a tenant's own interview only; a question the interview asks; not once the interview is scored
(or erased); 1–``MAX_TEXT_CHARS`` characters of text after trimming, no control characters but line
breaks and tabs. Idempotent: the same text for the same question answers with the first receipt and
writes nothing; a different text for an answered question is refused (``ANSWER_EXISTS``), so an answer
being scored is never replaced under the workflow's feet.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, Protocol

from pydantic import Field, ValidationError

from jiping.domain.errors import InvalidInput, NotFound, PortalError
from jiping.domain.models import (
    AsrModelInfo,
    InterviewStatus,
    Model,
    ObjectLocation,
    Segment,
    Transcript,
    TranscriptionSummary,
)
from jiping.ports import InterviewRepository, ObjectStore

TEXT_ANSWER_TYPE: Final = "jiping.perception.text-answer"
INVALID = "INVALID_TEXT_ANSWER"
EXISTS = "ANSWER_EXISTS"
MAX_TEXT_CHARS = 8000
TEXT_MODEL = AsrModelInfo(name="text-answer", device="none", compute_type="none")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]+")


class TextAnswer(Model):
    """The stored document (and what ProbeMedia recognises)."""

    type: Literal["jiping.perception.text-answer"] = TEXT_ANSWER_TYPE
    version: Literal[1] = 1
    question_id: str
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    sha256: str
    submitted_at: datetime


class TextAnswerReceipt(Model):
    interview_id: str
    question_id: str
    status: Literal["RECEIVED"] = "RECEIVED"
    characters: int
    sha256: str
    submitted_at: datetime
    replayed: bool = False  # the same text was already stored: nothing was written


class TextAnswerObjects(Protocol):
    """The uploads bucket, as the text-answer service needs it."""

    def get_json(self, location: ObjectLocation) -> object: ...

    def put_bytes(self, location: ObjectLocation, body: bytes, content_type: str) -> str | None: ...


def text_answer_key(tenant_id: str, interview_id: str, question_id: str) -> str:
    return f"uploads/{tenant_id}/{interview_id}/{question_id}.json"


def clean_text(text: str) -> str:
    """The answer as stored: NFC, trimmed; refused when empty, too long or holding control characters."""
    if not isinstance(text, str):
        raise PortalError(INVALID, "text must be a string", 422)
    cleaned = unicodedata.normalize("NFC", text).strip()
    if not cleaned:
        raise PortalError(INVALID, "the text answer is empty", 422)
    if len(cleaned) > MAX_TEXT_CHARS:
        raise PortalError(
            INVALID, f"the text answer has {len(cleaned)} characters; at most {MAX_TEXT_CHARS}", 422
        )
    if _CONTROL.search(cleaned):
        raise PortalError(INVALID, "the text answer holds control characters", 422)
    return cleaned


def submit_text_answer(
    repo: InterviewRepository,
    objects: TextAnswerObjects,
    uploads_bucket: str,
    tenant_id: str,
    interview_id: str,
    question_id: str,
    text: str,
    now: datetime,
) -> TextAnswerReceipt:
    """Store one written answer for the workflow (see the module doc for the rules)."""
    interview = repo.get(tenant_id, interview_id)
    if interview is None:  # another tenant's, erased or never created: the same answer
        raise PortalError("INTERVIEW_NOT_FOUND", "no such interview for this tenant", 404)
    if question_id not in {q.question_id for q in interview.questions}:
        raise PortalError("QUESTION_NOT_FOUND", "the interview does not ask this question", 404)
    if interview.status is InterviewStatus.SCORED:
        raise PortalError("INTERVIEW_SCORED", "the interview is already scored; answers are closed", 409)
    cleaned = clean_text(text)
    digest = hashlib.sha256(cleaned.encode()).hexdigest()
    location = ObjectLocation(
        bucket=uploads_bucket, key=text_answer_key(tenant_id, interview_id, question_id)
    )
    try:
        stored = TextAnswer.model_validate(objects.get_json(location))
    except NotFound:
        stored = None
    except ValidationError:
        raise PortalError(EXISTS, "the question already has an answer", 409) from None
    if stored is not None:
        if stored.sha256 != digest:
            raise PortalError(EXISTS, "the question already has a different answer", 409)
        return TextAnswerReceipt(
            interview_id=interview_id,
            question_id=question_id,
            characters=len(stored.text),
            sha256=digest,
            submitted_at=stored.submitted_at,
            replayed=True,
        )
    document = TextAnswer(question_id=question_id, text=cleaned, sha256=digest, submitted_at=now)
    objects.put_bytes(location, document.model_dump_json().encode(), "application/json")
    return TextAnswerReceipt(
        interview_id=interview_id,
        question_id=question_id,
        characters=len(cleaned),
        sha256=digest,
        submitted_at=now,
    )


def parse_text_answer(data: bytes) -> TextAnswer | None:
    """The text answer this object holds, or None when it is not one (by content, never by name)."""
    head = data.lstrip()[:1]
    if head != b"{" or len(data) > 4 * MAX_TEXT_CHARS + 1024:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("type") != TEXT_ANSWER_TYPE:
        return None
    try:
        answer = TextAnswer.model_validate(doc)
        clean_text(answer.text)
    except (ValidationError, PortalError):
        return None
    return answer


def text_language(text: str) -> str:
    """``zh`` when Chinese characters outnumber Latin words, else ``en``."""
    return "zh" if len(_CJK.findall(text)) >= len(_LATIN.findall(text)) and _CJK.search(text) else "en"


def text_transcript(answer: TextAnswer) -> Transcript:
    """A transcript made of the written words: one segment, no word timings, no clock."""
    segment = Segment(
        id=0,
        start=0.0,
        end=0.0,
        text=answer.text,
        avg_logprob=0.0,
        no_speech_prob=0.0,
        compression_ratio=1.0,
        words=[],
    )
    return Transcript(
        language=text_language(answer.text),
        language_probability=1.0,
        duration_s=0.0,
        text=answer.text,
        segments=[segment],
        model=TEXT_MODEL,
    )


def transcribe_text(
    source: ObjectLocation, output: ObjectLocation, store: ObjectStore
) -> TranscriptionSummary:
    """TranscribeText: the stored answer's words as ``transcript.json`` at ``output``."""
    with tempfile.TemporaryDirectory(prefix="jiping-text-") as tmp:
        path = Path(tmp) / "answer.json"
        store.download(source, path)
        answer = parse_text_answer(path.read_bytes())
    if answer is None:
        raise InvalidInput("the object is not a valid text answer")
    transcript = text_transcript(answer)
    version = store.put_json(output, transcript.model_dump(mode="json"))
    return TranscriptionSummary.of(transcript, output.model_copy(update={"version_id": version}))
