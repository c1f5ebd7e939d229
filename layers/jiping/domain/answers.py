"""Answers: which stretch of which media answers which question, and the per-answer analysis.

An interview arrives either as one clip per question or as one long video with a question
timeline. ``plan_analysis`` turns either into answer windows on the media's own clock before the
analysis stages run; ``assemble_answers`` cuts the transcript, the speech features and the vision
track along the same windows afterwards, so every answer carries its own signals and flags.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from jiping.domain.measures import Flag, FlagCode, Window
from jiping.domain.models import (
    AsrTier,
    ExecutionInput,
    Interview,
    Model,
    ObjectLocation,
    Segment,
    TranscribeRequest,
    Transcript,
)


class AnalysisPlan(Model):
    """What PlanAnswers decides for one media object: its windows and the stages' requests."""

    windows: list[Window]
    transcribe_request: TranscribeRequest
    vision_request: dict[str, Any]  # jiping.perception.vision.VisionRequest
    audio_request: dict[str, Any]  # jiping.perception.speech.AudioFeaturesRequest
    analysis_output: ObjectLocation
    vision_allowed: bool = True
    asr_tier: AsrTier = "cpu"
    """The pool that transcribes this media: the job profile's tier, else the stack's default."""
    """False unless the candidate's recorded, versioned consent covers video analysis (``biometric_consent``)."""


def biometric_consent(interview: Interview | None) -> bool:
    """Video (face, gaze, pose) analysis needs a recorded, versioned, separate consent to it (PIPL Art. 29):
    an interview row whose consent says ``biometric: true`` with a ``version``. No row (a file dropped in
    the bucket without the API), no consent or consent to the audio only: the audio alone is analysed."""
    consent = (interview.consent or {}) if interview is not None else {}
    return consent.get("biometric") is True and bool(consent.get("version"))


def windows_for(interview: Interview | None, media_id: str) -> list[Window]:
    """The answer windows of one media object, from the interview's questions.

    A timeline entry (start/end) for this media, or for the interview's only video, gives a window
    each; a question whose ``media_id`` is this clip gives the whole clip; otherwise the clip is one
    answer to a question named after it.
    """
    questions = interview.questions if interview else []
    timed = [q for q in questions if q.start_s is not None and q.media_id in (None, media_id)]
    if timed:
        ordered = sorted(timed, key=lambda q: q.start_s or 0.0)
        return [
            Window(
                question_id=q.question_id,
                media_id=media_id,
                start=q.start_s or 0.0,
                end=q.end_s if q.end_s is not None else (nxt.start_s if nxt else None),
            )
            for q, nxt in zip(ordered, [*ordered[1:], None], strict=True)
        ]
    mapped = next((q for q in questions if q.media_id == media_id), None)
    return [Window(question_id=mapped.question_id if mapped else media_id, media_id=media_id, start=0.0)]


def plan_analysis(
    execution: ExecutionInput,
    interview: Interview | None,
    artifacts_bucket: str,
    default_tier: AsrTier = "cpu",
) -> AnalysisPlan:
    prefix = execution.artifact_prefix
    source = ObjectLocation(
        bucket=execution.upload.bucket, key=execution.upload.key, version_id=execution.upload.version_id
    )

    def out(name: str) -> ObjectLocation:
        return ObjectLocation(bucket=artifacts_bucket, key=f"{prefix}/{name}")

    windows = windows_for(interview, execution.media_id)
    transcript = out("transcript.json")
    return AnalysisPlan(
        windows=windows,
        transcribe_request=TranscribeRequest(source=source, output=transcript),
        vision_request={"source": source.model_dump(), "output": out("vision.json").model_dump()},
        audio_request={
            "source": source.model_dump(),
            "transcript": transcript.model_dump(),
            "windows": [w.model_dump() for w in windows],
            "output": out("speech.json").model_dump(),
        },
        analysis_output=out("analysis.json"),
        vision_allowed=biometric_consent(interview),
        asr_tier=(interview.asr_tier if interview is not None else None) or default_tier,
    )


class AnswerTranscript(Model):
    language: str
    text: str
    segments: list[Segment]


class AnswerAnalysis(Model):
    """One answer: its stretch of media, what was said and how, what the camera saw, and the flags."""

    question_id: str
    media_id: str
    start: float
    end: float
    transcript: AnswerTranscript
    speech: dict[str, Any] | None = None  # jiping.perception.speech.SpeechFeatures
    vision: dict[str, Any] | None = None  # jiping.perception.vision.VisionSummary
    vision_seconds: list[dict[str, Any]] = Field(
        default_factory=list
    )  # jiping.perception.vision.VisionSecond
    vision_missing: str | None = None
    flags: list[Flag] = Field(default_factory=list)


def cut_transcript(transcript: Transcript, window: Window) -> AnswerTranscript:
    """The words whose midpoint lies in the window, kept in their segments (times stay absolute). A segment
    with no words and no duration (a written answer's) has no time to cut by: it is kept whole."""
    segments = []
    for seg in transcript.segments:
        words = [w for w in seg.words if window.contains((w.start + w.end) / 2)]
        if not words and seg.words:
            continue
        if not seg.words and seg.end > seg.start and not window.contains((seg.start + seg.end) / 2):
            continue
        text = "".join(w.word for w in words).strip() if words else seg.text  # words carry their own spaces
        segments.append(
            seg.model_copy(
                update={
                    "words": words,
                    "start": words[0].start if words else seg.start,
                    "end": words[-1].end if words else seg.end,
                    "text": text,
                }
            )
        )
    joiner = "" if transcript.language in {"zh", "yue", "ja"} else " "
    return AnswerTranscript(
        language=transcript.language, text=joiner.join(s.text for s in segments).strip(), segments=segments
    )


def assemble_answers(
    plan: AnalysisPlan,
    transcript: Transcript,
    speech: dict[str, Any] | None,
    vision_track: dict[str, Any] | None,
    vision_missing: str | None,
) -> list[AnswerAnalysis]:
    """Cut every stage's output along the plan's windows."""
    from jiping.perception import vision as vision_mod

    track = vision_mod.VisionTrack.model_validate(vision_track) if vision_track else None
    by_question = {a["question_id"]: a for a in (speech or {}).get("answers", [])}
    answers = []
    for window in plan.windows:
        end = window.end if window.end is not None else transcript.duration_s
        closed = window.model_copy(update={"end": end})
        flags: list[Flag] = []
        speech_features = by_question.get(window.question_id)
        if speech_features:
            flags += [Flag.model_validate(f) for f in speech_features.get("flags", [])]
        summary = seconds = None
        if track is not None:
            summary = vision_mod.summarize(track, closed).model_dump(mode="json")
            seconds = [s.model_dump(mode="json") for s in vision_mod.per_second(track, closed)]
            flags += vision_mod.integrity_flags(track, closed)
        elif vision_missing:
            flags.append(Flag(code=FlagCode.SIGNAL_MISSING, detail=f"vision: {vision_missing}"))
        for flag in flags:
            flag.question_id = window.question_id
        answers.append(
            AnswerAnalysis(
                question_id=window.question_id,
                media_id=window.media_id,
                start=window.start,
                end=end,
                transcript=cut_transcript(transcript, closed),
                speech=speech_features,
                vision=summary,
                vision_seconds=seconds or [],
                vision_missing=None if track is not None else vision_missing,
                flags=flags,
            )
        )
    return answers
