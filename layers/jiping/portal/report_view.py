"""The HR workspace's report of one interview (``ReportView``): the stored result document in words.

``report_view`` reads the result document (``{tenant}/{interview}/result.json``, written by the
ScoreInterview stage: ``jiping.workflow.score.result_document``) and returns what the report page shows:
the competencies with their level, anchor, reason, strengths, gaps and evidence; the questions with their
media; the flags and the reasons for review as sentences a person understands (Chinese or English, from
one message table, with the numbers taken from the measures, never from the English ``detail`` strings);
and the raw measures, labelled, for whoever unfolds them. The route fills ``decision``, ``pushed_to``,
``comments`` and ``viewer``.

Clock: every time here (a quote's ``start``/``end``, a flag's, a question's window) is in seconds on the
clock of the question's media file, the one its ``media_url`` plays. The workflow keeps word times
absolute when it cuts one video into answers along a question timeline (``jiping.domain.answers``), so the
result's times are already on that clock and pass through unchanged; a quote time outside its question's
window would seek the player to another answer, so it is dropped (``None``) rather than shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from pydantic_core import to_jsonable_python

from jiping.domain.measures import FlagCode
from jiping.domain.models import Interview, Model
from jiping.domain.profiles import JobProfile
from jiping.domain.review_codes import REVIEW_LABELS_BY_LANGUAGE
from jiping.scoring.results import _WEIGHT_REASON, MIN_ASSESSED_WEIGHT, anchor_of, level_of

Language = Literal["zh", "en"]
AnswerKind = Literal["video", "audio", "text", "none"]
CLOCK_TOLERANCE_S = 0.5  # a word may end a little past its window (a window holds words by their middle)
AUDIO_SUFFIXES = (".m4a", ".mp3", ".wav", ".weba", ".aac", ".ogg", ".opus")
FLAG_CODES = frozenset(code.value for code in FlagCode)


def report_language(language: str | None) -> Language:
    """``en`` for English; Chinese for everything else (``zh``, a profile's ``auto``, nothing)."""
    return "en" if (language or "").lower().startswith("en") else "zh"


# --- the view -----------------------------------------------------------------------------------


class MediaLink(Model):
    """Where the player finds a question's answer (a presigned URL) and what it plays."""

    url: str
    kind: Literal["video", "audio"]


class Overall(Model):
    score: float | None
    level: int | None


class Review(Model):
    needed: bool
    reasons: list[str] = Field(default_factory=list)


class Strength(Model):
    text: str  # the behaviour, in the profile's words
    quote: str | None = None  # the candidate's sentence that shows it
    question_id: str | None = None
    start: float | None = None  # seconds on the question's media clock (None: a text answer, or not found)
    end: float | None = None


class Gap(Model):
    text: str  # a behaviour of the next level that the answers did not show
    level: int


class Evidence(Model):
    question_id: str
    text: str
    start: float | None = None  # seconds on the question's media clock (None: a text answer)
    end: float | None = None


class CompetencyView(Model):
    id: str
    name: str
    weight: float | None = None  # the profile's normalised weight (None: the profile is not known)
    assessed: bool
    score: float | None = None
    level: int | None = None
    anchor: str | None = None  # the behavioural anchor of the level (or the nearest level below)
    reason: str
    strengths: list[Strength] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class QuestionView(Model):
    question_id: str
    text: str | None = None
    answer: AnswerKind
    media_url: str | None = None
    transcript: str = ""
    start: float | None = None  # the answer's window on the media clock (None: a text answer, no answer)
    end: float | None = None


class FlagView(Model):
    code: str
    question_id: str | None = None
    words: str
    start: float | None = None
    end: float | None = None


class RawRow(Model):
    """One raw measure: a speech or vision signal of an answer, or a reading of the judge (``judge``)."""

    question_id: str
    group: Literal["speech", "vision", "judge"]
    name: str
    label: str
    value: float | str | None = None  # None: not measured (``missing`` says why); never a substitute
    unit: str | None = None
    missing: str | None = None


class Person(Model):
    user_id: str
    name: str


class Author(Person):
    role: Literal["hr", "manager"]


class DecisionView(Model):
    decision: Literal["advance", "hold", "decline"]
    by: Author
    at: datetime
    reason: str | None = None


class PushedTo(Person):
    at: datetime | None = None


class CommentView(Model):
    id: str
    author: Author
    text: str
    at: datetime


class Viewer(Model):
    role: Literal["hr", "manager"] = "hr"
    can_override: bool = False
    can_push: bool = False


class ReportView(Model):
    interview_id: str
    job_id: str | None = None
    job_title: str | None = None
    candidate_ref: str | None = None
    status: str
    scored_at: datetime | None = None
    language: Language
    overall: Overall
    recommendation: str | None = None  # after a human's decision on a review, that decision
    model_recommendation: str | None = None  # what the model said (the result document's)
    review: Review
    competencies: list[CompetencyView] = Field(default_factory=list)
    questions: list[QuestionView] = Field(default_factory=list)
    flags: list[FlagView] = Field(default_factory=list)
    raw: list[RawRow] = Field(default_factory=list)
    versions: dict[str, str | None] = Field(default_factory=dict)
    # filled by the route (the workspace's store), not from the result
    decision: DecisionView | None = None
    pushed_to: list[PushedTo] = Field(default_factory=list)
    comments: list[CommentView] = Field(default_factory=list)
    viewer: Viewer = Field(default_factory=Viewer)

    def with_workspace(self, **parts: Any) -> ReportView:
        """A copy with the workspace's parts (``decision``, ``pushed_to``, ``comments``, ``viewer``) validated
        into their models; they may be given as models of the workspace or as dicts (``model_copy(update=)``
        would store them unvalidated, and the dump would warn)."""
        unknown = set(parts) - {"decision", "pushed_to", "comments", "viewer"}
        if unknown:
            raise TypeError(f"not a workspace part of the report: {sorted(unknown)}")
        given = {k: to_jsonable_python(v) for k, v in parts.items()}  # the workspace's models, as plain data
        return type(self).model_validate(self.model_dump() | given)


# --- the message table --------------------------------------------------------------------------

# Every flag code and review code as a sentence; ``{…}`` are numbers from the measures. A key ending in
# "~" is the sentence without its number, used when the number is not in the result.
MESSAGES: dict[Language, dict[str, str]] = {
    "zh": {
        # integrity and signal flags (jiping.domain.measures.FlagCode)
        "NO_FACE": "{span}画面中没有人脸",
        "MULTIPLE_FACES": "{span}画面中同时出现 {faces} 张人脸",
        "MULTIPLE_FACES~": "{span}画面中同时出现多张人脸",
        "LOOKING_AWAY": "约 {share}% 的时间未看向镜头",
        "LOOKING_AWAY~": "较长时间未看向镜头",
        "NO_SPEECH": "{span}没有听到说话声",
        "LOW_ASR_CONFIDENCE": "{span}语音识别把握不大，请对照录音核实",
        "SHORT_ANSWER": "回答过短（约 {seconds} 秒）",
        "SHORT_ANSWER~": "回答过短",
        "SHORT_ANSWER.chars": "回答过短（约 {chars} 字）",
        "SHORT_ANSWER.words": "回答过短（约 {words} 个词）",
        "SIGNAL_MISSING.vision": "{span}画面信号（人脸、视线、姿态）未能测量",
        "SIGNAL_MISSING.voice": "{span}声音信号（音高、音量）未能测量",
        # review codes (scoring-v2's ReviewFlag.code)
        "KEYWORD_LIST": "回答像在罗列关键词，没有讲述具体经历",
        "NO_NARRATIVE": "没有讲述亲身经历，只谈了看法或一般做法",
        "ECHOED_QUESTION": "回答主要是在复述题目",
        "REUSED_ANSWER": "与第 {others} 题的回答雷同",
        "REUSED_ANSWER~": "与其他题目的回答雷同",
        "LANGUAGE_MISMATCH": "作答语言（{language}）与岗位要求的语言不符",
        "LANGUAGE_MISMATCH~": "作答语言与岗位要求的语言不符",
        "SCORER_INSTRUCTION": "回答中含有试图影响评分的指令",
        "NUMBERS_WITHOUT_STORY": "只给出了数字，没有讲清事情的经过",
        "JUDGE_DISAGREEMENT": "评估的几个环节结论相差较大，请人工判断",
        "EMPTY_ANSWER": "回答中没有内容（既没有说话也没有书写）",
        "NO_ANSWER": "未作答",
        "LOW_ASR_CONFIDENCE.review": "语音识别把握不大（平均置信度 {confidence}），请对照录音核实",
        # reasons without a code
        "ASSESSED_WEIGHT": "本次面试的题目只考察了岗位胜任力权重的 {share}%（低于 {minimum}%），结论需人工判断",
        "REVIEW_REQUESTED": "候选人申请了人工复核",
        # how a question and a stretch of time are named
        "question": "第 {n} 题：",
        "question_id": "题目 {id}：",
        "span": "第 {start}–{end} 秒",
        "span_one": "第 {start} 秒",
    },
    "en": {
        "NO_FACE": "No face in view{span}",
        "MULTIPLE_FACES": "{faces} faces in view{span}",
        "MULTIPLE_FACES~": "More than one face in view{span}",
        "LOOKING_AWAY": "Looked away from the camera about {share}% of the time",
        "LOOKING_AWAY~": "Looked away from the camera much of the time",
        "NO_SPEECH": "No speech heard{span}",
        "LOW_ASR_CONFIDENCE": "The transcript is uncertain{span}: check it against the recording",
        "SHORT_ANSWER": "A short answer (about {seconds} s)",
        "SHORT_ANSWER~": "A short answer",
        "SHORT_ANSWER.chars": "A short answer (about {chars} characters)",
        "SHORT_ANSWER.words": "A short answer (about {words} words)",
        "SIGNAL_MISSING.vision": "Video signals (face, gaze, posture) could not be measured{span}",
        "SIGNAL_MISSING.voice": "Voice signals (pitch, loudness) could not be measured{span}",
        "KEYWORD_LIST": "The answer lists keywords instead of telling what happened",
        "NO_NARRATIVE": "No account of something the candidate did: views or general practice only",
        "ECHOED_QUESTION": "The answer mostly repeats the question",
        "REUSED_ANSWER": "The same answer as question {others}",
        "REUSED_ANSWER~": "The same answer as another question",
        "LANGUAGE_MISMATCH": "Answered in {language}, not in the job's language",
        "LANGUAGE_MISMATCH~": "Answered in another language than the job's",
        "SCORER_INSTRUCTION": "The answer contains instructions aimed at the scoring",
        "NUMBERS_WITHOUT_STORY": "Numbers without the story of what happened",
        "JUDGE_DISAGREEMENT": "The evaluation's steps disagree widely: a person should judge",
        "EMPTY_ANSWER": "The answer is empty (nothing said or written)",
        "NO_ANSWER": "Not answered",
        "LOW_ASR_CONFIDENCE.review": "The transcript is uncertain (mean confidence {confidence}): check it "
        "against the recording",
        "ASSESSED_WEIGHT": "The questions asked cover only {share}% of the job's competency weight (less than "
        "{minimum}%): a person should judge",
        "REVIEW_REQUESTED": "The candidate asked for a human review",
        "question": "Question {n}: ",
        "question_id": "Question {id}: ",
        "span": " at {start}–{end} s",
        "span_one": " at {start} s",
    },
}
LANGUAGE_NAMES: dict[Language, dict[str, str]] = {
    "zh": {"zh": "中文", "yue": "粤语", "en": "英文", "ja": "日文", "ko": "韩文"},
    "en": {"zh": "Chinese", "yue": "Cantonese", "en": "English", "ja": "Japanese", "ko": "Korean"},
}

# Raw measures: a plain label per known name, and its unit when the measure carries none.
SPEECH_LABELS: dict[str, tuple[str, str, str | None]] = {
    "duration_s": ("回答时长", "answer length", "s"),
    "speech_s": ("说话时长", "speaking time", "s"),
    "tokens": ("词数", "words", "words"),
    "characters": ("字数", "characters", "chars"),
    "speaking_rate": ("语速", "speaking rate", None),
    "pause_count": ("停顿次数", "pauses", "pauses"),
    "pause_mean_s": ("平均停顿时长", "mean pause", "s"),
    "long_pause_share": ("长停顿占比", "share of long pauses", "share"),
    "speech_to_silence": ("说话与静默之比", "speech to silence", "ratio"),
    "filler_rate": ("口头填充词频率", "filler words", None),
    "pitch_mean_hz": ("平均音高", "mean pitch", "Hz"),
    "pitch_sd_semitones": ("音高变化", "pitch variation", "st"),
    "loudness_sd_db": ("音量变化", "loudness variation", "dB"),
    "asr_confidence": ("语音识别置信度", "transcription confidence", "probability"),
}
VISION_LABELS: dict[str, tuple[str, str, str | None]] = {
    "face_present": ("画面中有人脸的比例", "face in view", "share"),
    "multiple_faces": ("多张人脸同框的比例", "several faces in view", "share"),
    "head_yaw_mean": ("头部左右转向（平均）", "head turn, left-right (mean)", "deg"),
    "head_pitch_mean": ("头部俯仰（平均）", "head tilt, up-down (mean)", "deg"),
    "head_roll_mean": ("头部侧倾（平均）", "head tilt, sideways (mean)", "deg"),
    "head_yaw_sd": ("头部左右转向的变化", "head turn variation", "deg"),
    "looking_at_camera": ("注视镜头的比例", "looking at the camera", "share"),
    "blinks": ("眨眼次数", "blinks", "count"),
    "blinks_per_min": ("每分钟眨眼次数", "blinks per minute", "per min"),
    "smile_activity": ("嘴角上扬动作的比例", "smile movement", "share"),
    "brow_raise_activity": ("扬眉动作的比例", "brow raise movement", "share"),
    "head_motion": ("头部移动", "head movement", "frame widths/s"),
    "upper_body_motion": ("上身移动", "upper body movement", "frame widths/s"),
    "hand_motion": ("手部移动", "hand movement", "frame widths/s"),
}
JUDGE_LABELS: dict[str, tuple[str, str, str | None]] = {
    "kind": ("回答类型", "answer kind", None),
    "cap": ("等级上限（检查规则）", "level cap (checks)", "level"),
    "predicted_level": ("模型读出的等级", "level the model read", "level"),
    "level": ("判定等级", "level decided", "level"),
    "anchor_fit": ("与 {k} 级锚点的契合度", "fit to the level {k} anchor", None),
    "events": ("讲述的事件数", "events told", "count"),
    "event_sentences": ("叙述事件的句数", "sentences telling an event", "count"),
}
_SPEECH_SKIP = {"question_id", "media_id", "start", "end", "language", "text", "fillers", "flags"}
_VISION_SKIP = {"question_id", "media_id", "start", "end"}


def _say(lang: Language, key: str, **values: Any) -> str:
    return MESSAGES[lang][key].format(**values)


def _seconds(t: float) -> int:
    return int(t + 0.5)


def span_words(start: float | None, end: float | None, lang: Language) -> str:
    """``第 12–18 秒`` / `` at 12–18 s``; empty when the stretch has no time."""
    if start is None or end is None:
        return ""
    a, b = _seconds(start), _seconds(end)
    return _say(lang, "span_one", start=a) if a >= b else _say(lang, "span", start=a, end=b)


# --- reading the result -------------------------------------------------------------------------


def _measure(signals: Mapping[str, Any] | None, name: str) -> float | None:
    """A measure's value (``{"value": …}``) or a plain number of a signals document; None when missing."""
    item = (signals or {}).get(name)
    if isinstance(item, Mapping):
        item = item.get("value")
    return float(item) if isinstance(item, int | float) and not isinstance(item, bool) else None


class _Answers:
    """The result's questions, by id, with their number in the interview."""

    def __init__(self, result: Mapping[str, Any], interview: Interview) -> None:
        self.by_id: dict[str, Mapping[str, Any]] = {
            str(q["question_id"]): q for q in result.get("questions") or [] if isinstance(q, Mapping)
        }
        order = [q.question_id for q in interview.questions]
        for qid in self.by_id:
            if qid not in order:
                order.append(qid)
        self.order = order

    def number(self, question_id: str | None) -> int | None:
        return self.order.index(question_id) + 1 if question_id in self.order else None

    def prefix(self, question_id: str | None, lang: Language) -> str:
        if question_id is None:
            return ""
        n = self.number(question_id)
        return _say(lang, "question", n=n) if n else _say(lang, "question_id", id=question_id)

    def signals(self, question_id: str | None, group: str) -> Mapping[str, Any] | None:
        answer = self.by_id.get(question_id or "")
        signals = (answer or {}).get("signals") or {}
        found = signals.get(group) if isinstance(signals, Mapping) else None
        return found if isinstance(found, Mapping) else None

    def window(self, question_id: str) -> tuple[float, float] | None:
        answer = self.by_id.get(question_id)
        if answer is None or answer.get("start") is None or answer.get("end") is None:
            return None
        return float(answer["start"]), float(answer["end"])

    def transcript(self, question_id: str | None) -> Mapping[str, Any]:
        answer = self.by_id.get(question_id or "") or {}
        found = answer.get("transcript")
        return found if isinstance(found, Mapping) else {}

    def timed(self, question_id: str) -> bool:
        """Whether the answer has word times (a spoken answer; a written one has none)."""
        segments = self.transcript(question_id).get("segments") or []
        return any(seg.get("words") for seg in segments if isinstance(seg, Mapping))

    def max_faces(self, question_id: str | None, start: float | None, end: float | None) -> int | None:
        """The most faces the per-second vision timeline saw in the stretch (None: no timeline there)."""
        answer = self.by_id.get(question_id or "") or {}
        seconds = [
            s
            for s in answer.get("timeline") or []
            if isinstance(s, Mapping)
            and isinstance(s.get("faces_max"), int)
            and (start is None or s.get("t", 0) + 1 > start)
            and (end is None or s.get("t", 0) < end)
        ]
        return max(int(s["faces_max"]) for s in seconds) if seconds else None


def _on_clock(answers: _Answers, question_id: str, start: Any, end: Any) -> tuple[float | None, float | None]:
    """A quote's times when they lie in the question's window on its media clock, else (None, None)."""
    if not isinstance(start, int | float) or not isinstance(end, int | float):
        return None, None
    window = answers.window(question_id)
    if window is not None and (
        start < window[0] - CLOCK_TOLERANCE_S or end > window[1] + CLOCK_TOLERANCE_S or end < start
    ):
        return None, None
    return float(start), float(end)


# --- flags and reasons in words -----------------------------------------------------------------


def _looking_away_share(answers: _Answers, question_id: str | None) -> int | None:
    looking = _measure(answers.signals(question_id, "vision"), "looking_at_camera")
    return round((1.0 - looking) * 100) if looking is not None else None


def _short_answer(answers: _Answers, question_id: str | None, lang: Language) -> str:
    speech_s = _measure(answers.signals(question_id, "speech"), "speech_s")
    if speech_s is not None:
        return _say(lang, "SHORT_ANSWER", seconds=_seconds(speech_s))
    transcript = answers.transcript(question_id)
    text = str(transcript.get("text") or "")
    if text.strip():
        if report_language(str(transcript.get("language") or "zh")) == "zh" and any(
            "\u4e00" <= ch <= "\u9fff" for ch in text
        ):
            return _say(lang, "SHORT_ANSWER.chars", chars=len("".join(text.split())))
        return _say(lang, "SHORT_ANSWER.words", words=len(text.split()))
    return _say(lang, "SHORT_ANSWER~")


def flag_words(
    code: str,
    question_id: str | None,
    start: float | None,
    end: float | None,
    answers: _Answers,
    lang: Language,
) -> str:
    """A perception flag as a sentence, its numbers from the question's measures."""
    span = span_words(start, end, lang)
    if code == FlagCode.LOOKING_AWAY:
        share = _looking_away_share(answers, question_id)
        return _say(lang, "LOOKING_AWAY", share=share) if share is not None else _say(lang, "LOOKING_AWAY~")
    if code == FlagCode.MULTIPLE_FACES:
        faces = answers.max_faces(question_id, start, end)
        if faces is not None and faces >= 2:
            return _say(lang, "MULTIPLE_FACES", faces=faces, span=span)
        return _say(lang, "MULTIPLE_FACES~", span=span)
    if code == FlagCode.SHORT_ANSWER:
        return _short_answer(answers, question_id, lang)
    if code == FlagCode.SIGNAL_MISSING:
        which = "vision" if answers.signals(question_id, "vision") is None else "voice"
        return _say(lang, f"SIGNAL_MISSING.{which}", span=span)
    if code in (FlagCode.NO_FACE, FlagCode.NO_SPEECH, FlagCode.LOW_ASR_CONFIDENCE):
        return _say(lang, code, span=span)
    return REVIEW_LABELS_BY_LANGUAGE[lang].get(code, code)


def review_words(
    flag: Mapping[str, Any],
    flags: list[Mapping[str, Any]],
    perception: list[Mapping[str, Any]],
    answers: _Answers,
    lang: Language,
) -> str:
    """A review flag (``ReviewFlag``) as a sentence, prefixed with its question's number. ``flags``: all
    the review flags; ``perception``: the answers' flags (``result["flags"]``, with their stretches)."""
    code = str(flag.get("code") or "")
    qid = flag.get("question_id")
    qid = str(qid) if qid is not None else None
    prefix = answers.prefix(qid, lang)
    if code == "SHORT_ANSWER":
        return prefix + _short_answer(answers, qid, lang)
    if code == "LOW_ASR_CONFIDENCE":
        confidence = _measure(answers.signals(qid, "speech"), "asr_confidence")
        if confidence is None:
            return prefix + _say(lang, "LOW_ASR_CONFIDENCE", span="")
        return prefix + _say(lang, "LOW_ASR_CONFIDENCE.review", confidence=f"{confidence:.2f}")
    if code in FLAG_CODES:  # NO_FACE, MULTIPLE_FACES, LOOKING_AWAY: the answer's flag holds the stretch
        seen = next((f for f in perception if f.get("code") == code and f.get("question_id") == qid), {})
        return prefix + flag_words(code, qid, seen.get("start"), seen.get("end"), answers, lang)
    if code == "REUSED_ANSWER":
        others = [
            answers.number(str(f.get("question_id")))
            for f in flags
            if f.get("code") == "REUSED_ANSWER" and f.get("question_id") not in (None, qid)
        ]
        numbers = sorted(n for n in others if n is not None)
        if numbers:
            joined = ("、" if lang == "zh" else ", ").join(str(n) for n in numbers)
            return prefix + _say(lang, "REUSED_ANSWER", others=joined)
        return prefix + _say(lang, "REUSED_ANSWER~")
    if code == "LANGUAGE_MISMATCH":
        spoken = str(answers.transcript(qid).get("language") or "")
        name = LANGUAGE_NAMES[lang].get(spoken)
        return prefix + (
            _say(lang, "LANGUAGE_MISMATCH", language=name) if name else _say(lang, "LANGUAGE_MISMATCH~")
        )
    if code in MESSAGES[lang]:
        return prefix + _say(lang, code)
    return prefix + REVIEW_LABELS_BY_LANGUAGE[lang].get(code, code)


def _review(
    result: Mapping[str, Any],
    interview: Interview,
    answers: _Answers,
    model: str | None,
    final: str | None,
    lang: Language,
) -> Review:
    flags = [f for f in result.get("review_flags") or [] if isinstance(f, Mapping)]
    perception = [f for f in result.get("flags") or [] if isinstance(f, Mapping)]
    reasons = [review_words(f, flags, perception, answers, lang) for f in flags]
    # each flag is also a reason string ("{question}: {code} ({detail})"): said above, in words
    said = {
        f"{f.get('question_id')}: {f.get('code')} ({f.get('detail')})"
        if f.get("question_id")
        else f"{f.get('code')} ({f.get('detail')})"
        for f in flags
    }
    for reason in result.get("review_reasons") or []:
        if reason in said:
            continue
        if str(reason).startswith(_WEIGHT_REASON) and isinstance(result.get("assessed_weight"), int | float):
            share = round(float(result["assessed_weight"]) * 100)
            reasons.append(
                _say(lang, "ASSESSED_WEIGHT", share=share, minimum=round(MIN_ASSESSED_WEIGHT * 100))
            )
        else:
            reasons.append(str(reason))  # a scoring-v1 result's reason: it has no code to say it by
    review = interview.human_review or {}
    if review.get("requested_at") and not review.get("decided_at"):
        reasons.append(_say(lang, "REVIEW_REQUESTED"))
    reasons = list(dict.fromkeys(reasons))
    return Review(needed=bool(reasons) or "review" in (model, final), reasons=reasons)


# --- the parts ----------------------------------------------------------------------------------


def recommendations(interview: Interview, model: str | None) -> tuple[str | None, str | None]:
    """(the recommendation HR acts on, the model's): a reviewer's decision (``jiping.portal.audit.override``)
    replaces the model's; a candidate's pending request for review makes it ``review`` until decided."""
    review = interview.human_review or {}
    if review.get("decision"):
        return str(review["decision"]), model
    if review.get("requested_at"):
        return "review", model
    return model, model


def _competencies(
    result: Mapping[str, Any], profile: JobProfile | None, answers: _Answers
) -> list[CompetencyView]:
    weights = profile.normalised_weights() if profile else {}
    out = []
    for c in result.get("competencies") or []:
        evidence = []
        for e in c.get("evidence") or []:
            start, end = _on_clock(answers, str(e.get("question_id")), e.get("start"), e.get("end"))
            evidence.append(
                Evidence(question_id=str(e["question_id"]), text=str(e["text"]), start=start, end=end)
            )
        strengths = []
        for s in c.get("strengths") or []:
            quote, qid = s.get("quote"), s.get("question_id")
            match = next(
                (
                    e
                    for e in evidence
                    if quote and e.question_id == qid and (quote in e.text or e.text in quote)
                ),
                None,
            )
            strengths.append(
                Strength(
                    text=str(s["text"]),
                    quote=quote,
                    question_id=qid,
                    start=match.start if match else None,
                    end=match.end if match else None,
                )
            )
        anchor = c.get("anchor")
        if anchor is None and profile is not None and c.get("level") is not None:
            known = {x.id: x for x in profile.competencies}
            if c["id"] in known:
                anchor = anchor_of(known[c["id"]], int(c["level"]))
        out.append(
            CompetencyView(
                id=c["id"],
                name=c["name"],
                weight=round(weights[c["id"]], 4) if c["id"] in weights else None,
                assessed=bool(c.get("assessed", True)),
                score=c.get("score"),
                level=c.get("level"),
                anchor=anchor,
                reason=str(c.get("reason") or ""),
                strengths=strengths,
                gaps=[Gap(text=str(g["text"]), level=int(g["level"])) for g in c.get("gaps") or []],
                evidence=evidence,
            )
        )
    return out


def _answer_kind(
    interview: Interview, answers: _Answers, question_id: str, link: MediaLink | None
) -> AnswerKind:
    answer = answers.by_id.get(question_id)
    if answer is None:
        return "none"
    media = interview.media.get(str(answer.get("media_id")))
    if media is not None and media.key.endswith(".json"):
        return "text"  # a written answer (jiping.portal.text_answers): a JSON document
    if link is not None:
        return link.kind
    if media is not None:
        return "audio" if media.key.lower().endswith(AUDIO_SUFFIXES) else "video"
    speech, vision = answers.signals(question_id, "speech"), answers.signals(question_id, "vision")
    if speech is None and vision is None and not answers.timed(question_id):
        return "text"  # no media row to tell by: no signals and no word times is a written answer
    return "video" if vision is not None else "audio"


def _question_text(
    interview: Interview, profile: JobProfile | None, question_id: str, lang: Language
) -> str | None:
    asked = next((q for q in interview.questions if q.question_id == question_id), None)
    known = profile.question(question_id) if profile else None
    if known is not None:
        return (known.text_en or known.text) if lang == "en" else known.text
    return asked.text if asked else None


def _questions(
    interview: Interview,
    profile: JobProfile | None,
    answers: _Answers,
    media: Mapping[str, MediaLink],
    lang: Language,
) -> list[QuestionView]:
    out = []
    for qid in answers.order:
        answer = answers.by_id.get(qid)
        link = media.get(qid)
        kind = _answer_kind(interview, answers, qid, link)
        window = answers.window(qid) if kind in ("video", "audio") else None
        out.append(
            QuestionView(
                question_id=qid,
                text=_question_text(interview, profile, qid, lang),
                answer=kind,
                media_url=link.url if link is not None and kind in ("video", "audio") else None,
                transcript=str(answers.transcript(qid).get("text") or "") if answer else "",
                start=window[0] if window else None,
                end=window[1] if window else None,
            )
        )
    return out


def _flags(result: Mapping[str, Any], answers: _Answers, lang: Language) -> list[FlagView]:
    out = []
    for f in result.get("flags") or []:
        if not isinstance(f, Mapping):
            continue
        qid = f.get("question_id")
        start, end = f.get("start"), f.get("end")
        out.append(
            FlagView(
                code=str(f.get("code")),
                question_id=qid,
                words=flag_words(str(f.get("code")), qid, start, end, answers, lang),
                start=start,
                end=end,
            )
        )
    return out


def _raw_row(
    question_id: str,
    group: Literal["speech", "vision", "judge"],
    name: str,
    item: Any,
    known: tuple[str, str, str | None] | None,
    lang: Language,
    label: str | None = None,
) -> RawRow | None:
    """One measure (``{"value", "unit", "missing"}``) or plain number; None for what is no measure."""
    default_unit = known[2] if known else None
    text = label or ((known[1] if lang == "en" else known[0]) if known else name)
    if isinstance(item, Mapping) and ("value" in item or "missing" in item):
        value = item.get("value")
        return RawRow(
            question_id=question_id,
            group=group,
            name=name,
            label=text,
            value=value if isinstance(value, int | float | str) and not isinstance(value, bool) else None,
            unit=item.get("unit") or default_unit,
            missing=item.get("missing") if value is None else None,
        )
    if isinstance(item, int | float | str) and not isinstance(item, bool):
        return RawRow(
            question_id=question_id, group=group, name=name, label=text, value=item, unit=default_unit
        )
    return None


def _judge_rows(competency: Mapping[str, Any], lang: Language) -> list[RawRow]:
    """The judge's readings of one competency, per question: ``{competency}.{reading}[.{entry}]``."""
    rows: list[RawRow] = []
    name, cid = competency["name"], competency["id"]
    for qid, reading in (competency.get("judgement") or {}).items():
        if not isinstance(reading, Mapping):
            continue
        for key, item in reading.items():
            known = JUDGE_LABELS.get(key)
            label: str = (known[1] if lang == "en" else known[0]) if known else str(key)
            # anchor_fit and features hold one number per entry: one row each
            entries = item.items() if isinstance(item, Mapping) else [(None, item)]
            for sub, value in entries:
                shown = (label.format(k=sub) if known else f"{key}.{sub}") if sub is not None else label
                row = _raw_row(
                    str(qid),
                    "judge",
                    f"{cid}.{key}" + (f".{sub}" if sub is not None else ""),
                    value,
                    (shown, shown, known[2] if known else None),
                    lang,
                    label=f"{name}·{shown}",
                )
                if row is not None:
                    rows.append(row)
    return rows


def _raw(result: Mapping[str, Any], answers: _Answers, lang: Language) -> list[RawRow]:
    rows: list[RawRow] = []
    for qid in answers.order:
        for name, item in (answers.signals(qid, "speech") or {}).items():
            row = _raw_row(qid, "speech", name, item, SPEECH_LABELS.get(name), lang)
            if row is not None and name not in _SPEECH_SKIP:
                rows.append(row)
        for name, item in (answers.signals(qid, "vision") or {}).items():
            row = _raw_row(qid, "vision", name, item, VISION_LABELS.get(name), lang)
            if row is not None and name not in _VISION_SKIP:
                rows.append(row)
    for competency in result.get("competencies") or []:
        rows += _judge_rows(competency, lang)
    return rows


# --- the report ---------------------------------------------------------------------------------


def report_view(
    result: Mapping[str, Any],
    interview: Interview,
    profile: JobProfile | None,
    *,
    media: Mapping[str, MediaLink],
    language: str,
) -> ReportView:
    """The report page's view of a scored interview. ``media``: the question id -> its playable media.
    ``language``: ``zh`` or ``en`` (anything else, e.g. a profile's ``auto``, reads as Chinese)."""
    lang = report_language(language)
    answers = _Answers(result, interview)
    model = result.get("recommendation")
    model = str(model) if model is not None else None
    final, model = recommendations(interview, model)
    overall = result.get("overall_score")
    overall = float(overall) if isinstance(overall, int | float) else None
    versions = result.get("versions") or {}
    return ReportView(
        interview_id=str(result.get("interview_id") or interview.interview_id),
        job_id=str(result.get("job_id") or interview.job_id or "") or None,
        job_title=profile.title
        if profile
        else (interview.candidate.job_title if interview.candidate else None),
        candidate_ref=interview.candidate_ref,
        status=interview.status.value,
        scored_at=interview.scored_at,
        language=lang,
        overall=Overall(score=overall, level=level_of(overall) if overall is not None else None),
        recommendation=final,
        model_recommendation=model,
        review=_review(result, interview, answers, model, final, lang),
        competencies=_competencies(result, profile, answers),
        questions=_questions(interview, profile, answers, media, lang),
        flags=_flags(result, answers, lang),
        raw=_raw(result, answers, lang),
        versions={str(k): (str(v) if v is not None else None) for k, v in versions.items()},
    )
