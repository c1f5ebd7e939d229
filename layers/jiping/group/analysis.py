"""Group discussion (无领导小组讨论) analysis: the pure core of the ``AnalyseGroup`` stage (issue 19).

In: one transcript per participant track (word timings relative to the track) with the track's offset on the
session's shared clock. Out (``GroupAnalysis``): per participant the timing, the interruptions made and
received, backchannels, content items with quotes and shared-clock times, a contribution ranking, and flags for
input that looks wrong. No I/O and no model here: semantic similarity is a function passed in (``Similarity``).
Nothing here infers emotions; how someone reacts to a challenge is left to the judge.

Words
    ASR words in Chinese are single characters or short runs, so a text's word count is hanzi /
    ``HANZI_PER_WORD`` (1.5, about the mean length of a Mandarin word in running text) plus its Latin and digit
    tokens. No tokenizer is needed (jieba is only in the nlp and speech extras, not in the base install).

Timing
    - Every word goes on the shared clock: track ``offset_s`` + its time in the track. A segment without word
      timings counts as one word spanning the segment (flag ``NO_WORD_TIMINGS``).
    - Talk time is the time a participant's words cover (the union of their intervals); share is talk time over
      everyone's talk time.
    - A turn is a maximal run of one participant's words with no gap longer than ``TURN_GAP_S``.
    - A backchannel is a turn of at most ``BACKCHANNEL_MAX_S`` made only of the lexicons' feedback tokens
      (嗯/对/好的/yes/right/ok…, repeated or combined, punctuation ignored). Its time is talk time; it is counted
      in ``backchannels``, not in turns or the mean turn length, and it is never an interruption.

Interruptions: A interrupts B when all of these hold
    1. A starts a turn at t that has at least ``MIN_WORDS`` words and is not made only of feedback tokens;
    2. B is mid-turn at t: B's turn (not a backchannel) began at least ``MIN_RUNNING_S`` before t and goes on past t;
    3. A and B speak at the same time for at least ``MIN_OVERLAP_S`` from t on (A's words in that turn against
       B's words in theirs, so a pause of B's inside the turn is not overlap).
    One turn of A interrupts every speaker for whom all three hold. Each interruption keeps t, who, whom, the
    overlap and A's words.

Content, per sentence (a turn's words split at sentence punctuation and at ASR segment boundaries); the word
lists are data in ``lexicons/{zh,en}.yaml`` and both are matched on every sentence (discussions switch language)
    - evidence: a number (digits, 百分之…, a Chinese numeral with a unit such as 三成/两倍/五万元; not an ordinal
      第…) or an evidence cue (例如/比如/数据显示/去年/for example…);
    - steering: a process proposal, summary or time-keeping cue (我们可以先/建议我们/总结一下/还剩五分钟/let's first…);
    - support: an agreement cue (我同意/赞同/补充一点/I agree…, with 不同意/disagree masked first) AND a reference
      to another participant: their name or alias in the sentence (the one nearest the agreement cue), else a
      pointer (刚才/你说的/your point…) taken to mean the latest other speaker, else a sentence of another
      participant in the last ``SUPPORT_WINDOW_S`` with similarity ≥ ``SUPPORT_MIN_SIMILARITY``;
    - new point: a sentence of at least ``MIN_POINT_WORDS`` words that is not steering and whose similarity to
      every earlier sentence, anyone's, the speaker's own included, is below ``NEW_POINT_MAX_SIMILARITY``.
    The similarity thresholds belong to the similarity function: the defaults are for the project's sentence
    encoder (``embedding_similarity(load_encoder(...).encode)``); another function needs its own ``Criteria``.

Ranking: by new points, then by talk share; ``new_point_share`` is a participant's share of all new points.

Flags (``FlagCode``; returned, never raised; the caller decides):
    NO_TRACKS (nothing to analyse), NO_SPEECH (a participant without words), TRACK_LENGTH_MISMATCH (a track
    shorter than ``TRACK_LENGTH_MIN_RATIO`` of the longest), NEGATIVE_OFFSET, TRACK_OUTSIDE_SESSION (a track
    whose span on the shared clock meets no other participant's track), OVERLAPPING_TRACKS (two tracks of one
    participant at the same time; their words are merged), EXCESSIVE_OVERLAP (more than
    ``EXCESSIVE_OVERLAP_SHARE`` of someone's talk time is spoken over others: wrong offsets or one voice heard
    on two microphones), DUPLICATE_NAME (two participants share a name or alias, which then refers to nobody),
    NO_WORD_TIMINGS (segments without word timings: coarser timing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ConfigDict, Field

from jiping.domain.models import Model, Transcript

Similarity = Callable[[str, str], float]

# --- criteria ------------------------------------------------------------------------------------------------

TURN_GAP_S = 1.0  # pauses inside a turn rarely reach 1 s; a longer silence ends the turn
MIN_RUNNING_S = 1.0  # the other has held the floor ~4 Mandarin syllables; less is a simultaneous start
MIN_OVERLAP_S = 0.5  # ~2 syllables; shorter overlaps are mostly a next speaker anticipating a turn's end
MIN_WORDS = 3.0  # an interrupter says something (≥ 5 hanzi), not a feedback token or a false start
BACKCHANNEL_MAX_S = 1.2  # "对对对" / "好的好的" fit; a longer run of feedback tokens is a turn of its own
HANZI_PER_WORD = 1.5  # average Mandarin word length in characters (the word count without a tokenizer)
MIN_POINT_WORDS = 4.0  # a point needs content (≥ 6 hanzi); shorter sentences are never new points
# Sentence encoder, measured on the test session and 15 more pairs of discussion sentences: near-verbatim
# repeats 0.72-0.95, reworded repeats 0.42-0.65, different points on one topic 0.21-0.49. At 0.5 no different
# point was taken for a repeat and 5 of 7 reworded repeats were caught: novelty by the encoder is coarse, so
# every new point carries its quote and its similarity for the judge.
NEW_POINT_MAX_SIMILARITY = 0.5
SUPPORT_MIN_SIMILARITY = 0.6  # sentence encoder: a paraphrase (0.62-0.69 measured); with an agreement cue
SUPPORT_WINDOW_S = 120.0  # agreement by similarity looks back this far on the shared clock
TRACK_LENGTH_MIN_RATIO = 0.5  # every track records the whole discussion: half the longest means it was cut
EXCESSIVE_OVERLAP_SHARE = 0.3  # overlapped speech is a small part of talk time in meetings; beyond: bad input
EXCESSIVE_OVERLAP_MIN_TALK_S = 10.0  # ... judged only for participants who spoke at least this long
QUOTE_MAX_CHARS = 120  # an interruption's quote: the interrupting turn, cut here

_EPS = 1e-6  # float tolerance on the criteria's boundaries


class Criteria(Model):
    """The thresholds of one analysis (defaults: the module constants); echoed in the result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    turn_gap_s: float = TURN_GAP_S
    min_running_s: float = MIN_RUNNING_S
    min_overlap_s: float = MIN_OVERLAP_S
    min_words: float = MIN_WORDS
    backchannel_max_s: float = BACKCHANNEL_MAX_S
    min_point_words: float = MIN_POINT_WORDS
    new_point_max_similarity: float = NEW_POINT_MAX_SIMILARITY
    support_min_similarity: float = SUPPORT_MIN_SIMILARITY
    support_window_s: float = SUPPORT_WINDOW_S
    track_length_min_ratio: float = TRACK_LENGTH_MIN_RATIO
    excessive_overlap_share: float = EXCESSIVE_OVERLAP_SHARE
    excessive_overlap_min_talk_s: float = EXCESSIVE_OVERLAP_MIN_TALK_S


# --- models --------------------------------------------------------------------------------------------------


class ParticipantTrack(Model):
    """One participant's track: its transcript (times relative to the track) and where it starts on the
    session's shared clock. A participant may have several tracks (a reconnect), with one ``participant_id``."""

    participant_id: str
    name: str  # as others say it (张三): references to it are recognised
    offset_s: float = 0.0
    transcript: Transcript
    aliases: list[str] = Field(default_factory=list)  # other names they are called by (小张, Zhang)


class ContentKind(StrEnum):
    SUPPORT = "support"
    NEW_POINT = "new_point"
    EVIDENCE = "evidence"
    STEERING = "steering"


class ContentItem(Model):
    kind: ContentKind
    participant_id: str
    quote: str
    start_s: float  # shared clock
    end_s: float
    cues: list[str] = Field(default_factory=list)  # what matched (markers, numbers, names)
    refers_to: str | None = None  # support: the participant whose point is supported
    similarity: float | None = (
        None  # new point: highest similarity to anything earlier; support: to their point
    )


class Interruption(Model):
    at_s: float  # the interrupter's turn start, shared clock
    by: str  # participant_id of the interrupter
    of: str  # participant_id of the one interrupted
    overlap_s: float  # time both spoke at once from at_s on
    quote: str  # the interrupter's words in that turn


class PairCount(Model):
    by: str
    of: str
    count: int


class Backchannel(Model):
    at_s: float
    end_s: float
    by: str
    during: str | None  # whose turn it was said in, if anyone's
    text: str


class Turn(Model):
    participant_id: str
    start_s: float
    end_s: float
    text: str
    words: float
    backchannel: bool = False


class FlagCode(StrEnum):
    NO_TRACKS = "NO_TRACKS"
    NO_SPEECH = "NO_SPEECH"
    TRACK_LENGTH_MISMATCH = "TRACK_LENGTH_MISMATCH"
    NEGATIVE_OFFSET = "NEGATIVE_OFFSET"
    TRACK_OUTSIDE_SESSION = "TRACK_OUTSIDE_SESSION"
    OVERLAPPING_TRACKS = "OVERLAPPING_TRACKS"
    EXCESSIVE_OVERLAP = "EXCESSIVE_OVERLAP"
    DUPLICATE_NAME = "DUPLICATE_NAME"
    NO_WORD_TIMINGS = "NO_WORD_TIMINGS"


class GroupFlag(Model):
    code: FlagCode
    participant_ids: list[str] = Field(default_factory=list)
    detail: str


class ParticipantMeasures(Model):
    participant_id: str
    name: str
    talk_time_s: float
    talk_share: float  # 0-1 of everyone's talk time
    turns: int  # backchannels excluded
    mean_turn_s: float
    words: float
    overlap_s: float  # talk time spoken while someone else was speaking
    interruptions_made: int
    interruptions_received: int
    backchannels: int
    supports: list[ContentItem] = Field(default_factory=list)
    new_points: list[ContentItem] = Field(default_factory=list)
    evidence: list[ContentItem] = Field(default_factory=list)
    steering: list[ContentItem] = Field(default_factory=list)
    new_point_share: float = 0.0  # 0-1 of the session's new points
    contribution_rank: int = 0  # 1 = most new points (ties: larger talk share)


class GroupAnalysis(Model):
    participants: list[ParticipantMeasures]
    ranking: list[str]  # participant ids, contribution rank order
    interruptions: list[Interruption]
    interruption_pairs: list[PairCount]
    backchannels: list[Backchannel]
    turns: list[Turn]  # every participant's, by start: the timeline
    total_talk_s: float
    start_s: float  # the session's span on the shared clock (all tracks)
    end_s: float
    flags: list[GroupFlag]
    criteria: Criteria

    def participant(self, participant_id: str) -> ParticipantMeasures:
        return next(p for p in self.participants if p.participant_id == participant_id)

    def flagged(self, code: FlagCode) -> list[GroupFlag]:
        return [f for f in self.flags if f.code == code]


# --- lexicons ------------------------------------------------------------------------------------------------

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"  # the word lists, as data: zh.yaml, en.yaml
_ASCII = re.compile(r"^[\x00-\x7f]+$")


def _load_lexicons() -> list[dict[str, Any]]:
    return [
        dict(yaml.safe_load((LEXICON_DIR / f"{lang}.yaml").read_text(encoding="utf-8")))
        for lang in ("zh", "en")
    ]


def _cue_regex(cues: Iterable[str], patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for a category: plain cues (English ones on word boundaries) and the patterns as written."""
    parts = []
    for cue in sorted(set(cues), key=len, reverse=True):
        escaped = re.escape(cue)
        parts.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if _ASCII.match(cue) else escaped)
    parts.extend(patterns)
    return re.compile("|".join(parts) if parts else r"(?!x)x", re.IGNORECASE)


def _category(lexicons: list[dict[str, Any]], name: str) -> re.Pattern[str]:
    cues: list[str] = []
    patterns: list[str] = []
    for lex in lexicons:
        entry = lex.get(name) or {}
        cues += [str(c) for c in entry.get("cues") or []]
        patterns += [str(p) for p in entry.get("patterns") or []]
    return _cue_regex(cues, patterns)


_NON_WORD = re.compile(r"[\W_]+")


def _normalise(text: str) -> str:
    """Lower case without punctuation or spaces (how backchannel texts are compared)."""
    return _NON_WORD.sub("", text.lower())


_LEXICONS = _load_lexicons()
_BACKCHANNEL = re.compile(
    "(?:"
    + "|".join(
        re.escape(n)
        for n in sorted(
            {_normalise(str(t)) for lex in _LEXICONS for t in lex["backchannels"]}, key=len, reverse=True
        )
        if n
    )
    + ")+"
)
AGREEMENT = _category(_LEXICONS, "agreement")
DISAGREEMENT = _category(_LEXICONS, "disagreement")
REFERENCES = _category(_LEXICONS, "references")
EVIDENCE = _category(_LEXICONS, "evidence")
STEERING = _category(_LEXICONS, "steering")

_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")
_ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUMBER = re.compile(
    # 30, 2.5, 1,000, 30% (not a time-keeping "5 分钟")
    r"(?<![\d.,])(?>\d+(?:[.,]\d+)*)(?!\s*(?:分钟|秒|minutes?\b|mins?\b|seconds?\b))\s*[%％]?"
    rf"|百分之[{_ZH_DIGITS}]+"
    rf"|(?<!第)(?<![{_ZH_DIGITS}])[{_ZH_DIGITS}]*[二两三四五六七八九十百千万亿][{_ZH_DIGITS}]*"
    r"(?:成|倍|个百分点|万|亿|元|块钱|人|位|家|次|年|个月|岁|名|户|笔|台|套)"
)
_SENTENCE_END = re.compile(r"(?:[。！？!?；;…]+|(?<=[A-Za-z0-9])\.)[\"'”’」）)]*$")


def count_words(text: str) -> float:
    """Words in ``text``: hanzi / HANZI_PER_WORD plus Latin and digit tokens (see the module doc)."""
    return len(_HANZI.findall(text)) / HANZI_PER_WORD + len(_LATIN.findall(text))


def is_backchannel_text(text: str) -> bool:
    """Whether ``text`` is made only of feedback tokens (嗯, 对对对, 好的, ok, mm-hmm…), punctuation ignored."""
    core = _normalise(text)
    return bool(core) and _BACKCHANNEL.fullmatch(core) is not None


def _matches(pattern: re.Pattern[str], text: str) -> list[str]:
    found: list[str] = []
    for m in pattern.finditer(text):
        cue = m.group(0).strip()
        if cue and cue not in found:
            found.append(cue)
    return found


def evidence_cues(text: str) -> list[str]:
    return _matches(EVIDENCE, text) + _matches(_NUMBER, text)


def steering_cues(text: str) -> list[str]:
    return _matches(STEERING, text)


def _agreements(text: str) -> list[tuple[int, str]]:
    """Agreement cues with their positions, after masking disagreement (不同意 is not 同意)."""
    masked = DISAGREEMENT.sub(lambda m: "□" * len(m.group(0)), text)
    return [(m.start(), m.group(0).strip()) for m in AGREEMENT.finditer(masked)]


def agreement_cues(text: str) -> list[str]:
    return list(dict.fromkeys(cue for _, cue in _agreements(text)))


def reference_cues(text: str) -> list[str]:
    return _matches(REFERENCES, text)


# --- similarity ----------------------------------------------------------------------------------------------


def embedding_similarity(encode: Callable[[Sequence[str]], Any]) -> Similarity:
    """A ``Similarity`` over an encoder's L2-normalised rows (``SentenceEncoder.encode``): each text is encoded
    once and every pair is a dot product, so a long session costs one encoding per sentence, not per pair."""
    cache: dict[str, np.ndarray] = {}

    def vector(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = np.asarray(encode([text]), dtype=np.float32)[0]
        return cache[text]

    def similarity(a: str, b: str) -> float:
        return float(np.clip(np.dot(vector(a), vector(b)), -1.0, 1.0))

    return similarity


# --- internal shapes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    start: float
    end: float
    text: str
    segment: tuple[int, int]  # (track index, segment id): sentences never cross segments


@dataclass
class _Turn:
    pid: str
    start: float
    end: float
    words: list[_Word]
    backchannel: bool = False

    def add(self, word: _Word) -> None:
        self.words.append(word)
        self.end = max(self.end, word.end)

    @property
    def text(self) -> str:
        return _join(w.text for w in self.words)


@dataclass
class _Sentence:
    pid: str
    start: float
    end: float
    text: str
    words: float


@dataclass
class _Speaker:
    pid: str
    name: str
    aliases: list[str]
    spans: list[tuple[float, float]] = field(default_factory=list)  # its tracks on the shared clock
    words: list[_Word] = field(default_factory=list)
    turns: list[_Turn] = field(default_factory=list)


def _join(pieces: Iterable[str]) -> str:
    """ASR words back into text: whisper's English words carry their leading space, Chinese ones none; a space
    is added between two Latin pieces that have none."""
    out = ""
    for piece in pieces:
        if (
            out
            and piece
            and out[-1].isascii()
            and out[-1].isalnum()
            and piece[0].isascii()
            and piece[0].isalnum()
        ):
            out += " "
        out += piece
    return re.sub(r"\s+", " ", out).strip()


def _merge(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(intervals: Sequence[tuple[float, float]]) -> float:
    return sum(end - start for start, end in intervals)


def _intersection(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    """Total length of the intersection of two merged, sorted interval lists."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0.0, high - low)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits)


# --- tracks onto the shared clock ----------------------------------------------------------------------------


def _track_words(track: ParticipantTrack, index: int) -> tuple[list[_Word], bool]:
    """The track's words on the shared clock, and whether a segment had to stand in for missing word timings."""
    words: list[_Word] = []
    coarse = False
    for segment in track.transcript.segments:
        key = (index, segment.id)
        if segment.words:
            words += [
                _Word(track.offset_s + w.start, track.offset_s + max(w.end, w.start), w.word, key)
                for w in segment.words
                if w.word.strip()
            ]
        elif segment.text.strip():
            coarse = True
            words.append(
                _Word(track.offset_s + segment.start, track.offset_s + segment.end, segment.text, key)
            )
    return words, coarse


def _track_span(track: ParticipantTrack, words: Sequence[_Word]) -> tuple[float, float]:
    end = track.offset_s + track.transcript.duration_s
    if words:
        end = max(end, max(w.end for w in words))
    return track.offset_s, end


def _speakers(tracks: Sequence[ParticipantTrack], flags: list[GroupFlag]) -> list[_Speaker]:
    speakers: dict[str, _Speaker] = {}
    coarse: list[str] = []
    for index, track in enumerate(tracks):
        speaker = speakers.setdefault(
            track.participant_id, _Speaker(track.participant_id, track.name.strip(), list(track.aliases))
        )
        words, was_coarse = _track_words(track, index)
        span = _track_span(track, words)
        if any(span[0] < s[1] and s[0] < span[1] for s in speaker.spans):
            flags.append(
                GroupFlag(
                    code=FlagCode.OVERLAPPING_TRACKS,
                    participant_ids=[track.participant_id],
                    detail=f"two tracks of this participant overlap on the shared clock (one starts at {span[0]:.1f} s)",
                )
            )
        if track.offset_s < 0:
            flags.append(
                GroupFlag(
                    code=FlagCode.NEGATIVE_OFFSET,
                    participant_ids=[track.participant_id],
                    detail=f"offset {track.offset_s:.1f} s is before the session's start",
                )
            )
        if was_coarse and track.participant_id not in coarse:
            coarse.append(track.participant_id)
        speaker.spans.append(span)
        speaker.aliases += [a for a in track.aliases if a not in speaker.aliases]
        speaker.words += words
    for speaker in speakers.values():
        speaker.words.sort(key=lambda w: (w.start, w.end))
    if coarse:
        flags.append(
            GroupFlag(
                code=FlagCode.NO_WORD_TIMINGS,
                participant_ids=coarse,
                detail="segments without word timings: their timing is the segment's",
            )
        )
    return list(speakers.values())


def _track_flags(speakers: Sequence[_Speaker], criteria: Criteria) -> list[GroupFlag]:
    flags: list[GroupFlag] = []
    durations = {s.pid: _length(_merge(s.spans)) for s in speakers}
    longest = max(durations.values(), default=0.0)
    short = [
        pid for pid, d in durations.items() if longest > 0 and d < criteria.track_length_min_ratio * longest
    ]
    if short:
        flags.append(
            GroupFlag(
                code=FlagCode.TRACK_LENGTH_MISMATCH,
                participant_ids=short,
                detail="tracks much shorter than the longest ("
                + ", ".join(f"{pid}: {durations[pid]:.1f} s" for pid in short)
                + f"; longest {longest:.1f} s)",
            )
        )
    if len(speakers) > 1:
        for speaker in speakers:
            others = [span for o in speakers if o.pid != speaker.pid for span in o.spans]
            if not any(a[0] < b[1] and b[0] < a[1] for a in speaker.spans for b in others):
                flags.append(
                    GroupFlag(
                        code=FlagCode.TRACK_OUTSIDE_SESSION,
                        participant_ids=[speaker.pid],
                        detail="this participant's track does not overlap any other track on the shared clock",
                    )
                )
    for speaker in speakers:
        if not speaker.words:
            flags.append(
                GroupFlag(
                    code=FlagCode.NO_SPEECH, participant_ids=[speaker.pid], detail="no speech in the track"
                )
            )
    return flags


# --- turns, backchannels, interruptions ----------------------------------------------------------------------


def _turns(speaker: _Speaker, criteria: Criteria) -> list[_Turn]:
    turns: list[_Turn] = []
    for word in speaker.words:
        if turns and word.start - turns[-1].end <= criteria.turn_gap_s + _EPS:
            turns[-1].add(word)
        else:
            turns.append(_Turn(speaker.pid, word.start, word.end, [word]))
    for turn in turns:
        turn.backchannel = turn.end - turn.start <= criteria.backchannel_max_s + _EPS and is_backchannel_text(
            turn.text
        )
    return turns


def _during(at: float, pid: str, speakers: Sequence[_Speaker]) -> str | None:
    """Whose turn (not a backchannel) was going on at ``at``, latest started first."""
    holders = [
        t for s in speakers if s.pid != pid for t in s.turns if not t.backchannel and t.start <= at <= t.end
    ]
    return max(holders, key=lambda t: t.start).pid if holders else None


def _backchannels(speakers: Sequence[_Speaker]) -> list[Backchannel]:
    found = [
        Backchannel(
            at_s=_r(t.start), end_s=_r(t.end), by=s.pid, during=_during(t.start, s.pid, speakers), text=t.text
        )
        for s in speakers
        for t in s.turns
        if t.backchannel
    ]
    return sorted(found, key=lambda b: b.at_s)


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_MAX_CHARS else text[: QUOTE_MAX_CHARS - 1] + "…"


def _interrupts(turn: _Turn, other: _Turn, criteria: Criteria) -> float | None:
    """The overlap if ``turn`` interrupts ``other`` (criteria 2 and 3 of the module doc), else None."""
    if other.backchannel or not (other.start + criteria.min_running_s - _EPS <= turn.start < other.end):
        return None
    mine = _merge((w.start, w.end) for w in turn.words)
    theirs = _merge((max(w.start, turn.start), w.end) for w in other.words if w.end > turn.start)
    overlap = _intersection(mine, theirs)
    return overlap if overlap >= criteria.min_overlap_s - _EPS else None


def _interruptions(speakers: Sequence[_Speaker], criteria: Criteria) -> list[Interruption]:
    found: list[Interruption] = []
    for speaker in speakers:
        for turn in speaker.turns:
            text = turn.text
            if turn.backchannel or is_backchannel_text(text) or count_words(text) < criteria.min_words - _EPS:
                continue
            for other in speakers:
                if other.pid == speaker.pid:
                    continue
                for their in other.turns:
                    overlap = _interrupts(turn, their, criteria)
                    if overlap is not None:
                        found.append(
                            Interruption(
                                at_s=_r(turn.start),
                                by=speaker.pid,
                                of=other.pid,
                                overlap_s=_r(overlap),
                                quote=_quote(text),
                            )
                        )
    return sorted(found, key=lambda i: (i.at_s, i.by, i.of))


def _pairs(interruptions: Sequence[Interruption]) -> list[PairCount]:
    counts: dict[tuple[str, str], int] = {}
    for i in interruptions:
        counts[(i.by, i.of)] = counts.get((i.by, i.of), 0) + 1
    return [PairCount(by=by, of=of, count=n) for (by, of), n in sorted(counts.items())]


# --- sentences and content -----------------------------------------------------------------------------------


def _sentences(speaker: _Speaker) -> list[_Sentence]:
    """Each turn's words split after sentence punctuation and where the ASR segment changes."""
    out: list[_Sentence] = []
    for turn in speaker.turns:
        if turn.backchannel:
            continue
        run: list[_Word] = []
        for k, word in enumerate(turn.words):
            run.append(word)
            last = k == len(turn.words) - 1
            if last or _SENTENCE_END.search(word.text.strip()) or turn.words[k + 1].segment != word.segment:
                text = _join(w.text for w in run)
                if _HANZI.search(text) or _LATIN.search(text):
                    out.append(
                        _Sentence(speaker.pid, run[0].start, max(w.end for w in run), text, count_words(text))
                    )
                run = []
    return out


def _name_index(speakers: Sequence[_Speaker], flags: list[GroupFlag]) -> dict[str, str]:
    """Every name a participant is called by -> their id. Derived: a 3-hanzi name's given name (李小明 -> 小明),
    a Chinese name's surname + 同学, an English name's first word. A name two participants share is dropped."""
    owners: dict[str, set[str]] = {}
    explicit: dict[str, set[str]] = {}
    for s in speakers:
        names = [s.name, *s.aliases]
        for name in names:
            explicit.setdefault(name.lower(), set()).add(s.pid)
        derived = list(names)
        if len(s.name) == 3 and all(_HANZI.match(c) for c in s.name):
            derived.append(s.name[1:])
        if len(s.name) >= 2 and _HANZI.match(s.name[0]):
            derived.append(s.name[0] + "同学")
        if _ASCII.match(s.name) and " " in s.name.strip():
            derived.append(s.name.split()[0])
        for name in derived:
            if name.strip():
                owners.setdefault(name.strip().lower(), set()).add(s.pid)
    shared = sorted(name for name, pids in explicit.items() if len(pids) > 1 and name)
    if shared:
        flags.append(
            GroupFlag(
                code=FlagCode.DUPLICATE_NAME,
                participant_ids=sorted({pid for n in shared for pid in explicit[n]}),
                detail="participants share a name, which then refers to nobody: " + ", ".join(shared),
            )
        )
    return {name: next(iter(pids)) for name, pids in owners.items() if len(pids) == 1}


def _named(text: str, pid: str, names: dict[str, str], near: Sequence[int]) -> tuple[str, str] | None:
    """The other participant named in ``text`` nearest to a position in ``near`` (the agreement cues, so that
    "我不同意张三，但赞同李四说的" supports 李四): (their id, the name as written)."""
    lowered = text.lower()
    found: list[tuple[int, int, str, str]] = []  # (distance, -length, owner, as written)
    for name, owner in names.items():
        if owner == pid:
            continue
        pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])" if _ASCII.match(name) else re.escape(name)
        for m in re.finditer(pattern, lowered):
            distance = min((abs(m.start() - at) for at in near), default=m.start())
            found.append((distance, -len(name), owner, text[m.start() : m.end()]))
    if not found:
        return None
    _, _, owner, written = min(found)
    return owner, written


@dataclass
class _Context:
    sentences: list[_Sentence]  # everyone's, by start
    names: dict[str, str]
    similarity: Similarity
    criteria: Criteria
    _cache: dict[tuple[int, int], float] = field(default_factory=dict)

    def sim(self, i: int, j: int) -> float:
        key = (min(i, j), max(i, j))
        if key not in self._cache:
            self._cache[key] = float(self.similarity(self.sentences[i].text, self.sentences[j].text))
        return self._cache[key]


def _item(kind: ContentKind, s: _Sentence, cues: list[str], **extra: Any) -> ContentItem:
    return ContentItem(
        kind=kind,
        participant_id=s.pid,
        quote=s.text,
        start_s=_r(s.start),
        end_s=_r(s.end),
        cues=cues,
        **extra,
    )


def _support(i: int, ctx: _Context) -> ContentItem | None:
    s = ctx.sentences[i]
    spans = _agreements(s.text)
    if not spans:
        return None
    agreement = list(dict.fromkeys(cue for _, cue in spans))
    named = _named(s.text, s.pid, ctx.names, [at for at, _ in spans])
    if named:
        return _item(ContentKind.SUPPORT, s, [*agreement, named[1]], refers_to=named[0])
    earlier = [j for j in range(i) if ctx.sentences[j].pid != s.pid and ctx.sentences[j].start < s.start]
    pointers = reference_cues(s.text)
    if pointers and earlier:
        latest = max(earlier, key=lambda j: (ctx.sentences[j].start, j))
        return _item(ContentKind.SUPPORT, s, [*agreement, *pointers], refers_to=ctx.sentences[latest].pid)
    window = [j for j in earlier if ctx.sentences[j].start >= s.start - ctx.criteria.support_window_s]
    scored = [(ctx.sim(i, j), j) for j in window]
    if scored:
        best, j = max(scored)
        if best >= ctx.criteria.support_min_similarity:
            return _item(
                ContentKind.SUPPORT, s, agreement, refers_to=ctx.sentences[j].pid, similarity=_r(best, 4)
            )
    return None


def _new_point(i: int, ctx: _Context, steering: bool) -> ContentItem | None:
    s = ctx.sentences[i]
    if steering or s.words < ctx.criteria.min_point_words - _EPS:
        return None
    earlier = [j for j in range(len(ctx.sentences)) if j != i and ctx.sentences[j].start < s.start]
    highest = max((ctx.sim(i, j) for j in earlier), default=0.0)
    if highest >= ctx.criteria.new_point_max_similarity:
        return None
    return _item(ContentKind.NEW_POINT, s, [], similarity=_r(highest, 4))


def _content(ctx: _Context) -> dict[str, dict[ContentKind, list[ContentItem]]]:
    found: dict[str, dict[ContentKind, list[ContentItem]]] = {}
    for i, s in enumerate(ctx.sentences):
        mine = found.setdefault(s.pid, {kind: [] for kind in ContentKind})
        evidence, steering = evidence_cues(s.text), steering_cues(s.text)
        if evidence:
            mine[ContentKind.EVIDENCE].append(_item(ContentKind.EVIDENCE, s, evidence))
        if steering:
            mine[ContentKind.STEERING].append(_item(ContentKind.STEERING, s, steering))
        for item in (_support(i, ctx), _new_point(i, ctx, bool(steering))):
            if item is not None:
                mine[item.kind].append(item)
    return found


# --- the analysis --------------------------------------------------------------------------------------------


def _overlap_flags(measures: Sequence[ParticipantMeasures], criteria: Criteria) -> list[GroupFlag]:
    heavy = [
        m
        for m in measures
        if m.talk_time_s >= criteria.excessive_overlap_min_talk_s
        and m.overlap_s > criteria.excessive_overlap_share * m.talk_time_s
    ]
    if not heavy:
        return []
    return [
        GroupFlag(
            code=FlagCode.EXCESSIVE_OVERLAP,
            participant_ids=[m.participant_id for m in heavy],
            detail="much of their talk time overlaps others' ("
            + ", ".join(f"{m.participant_id}: {m.overlap_s / m.talk_time_s:.0%}" for m in heavy)
            + "): check the offsets, or one voice recorded on two microphones",
        )
    ]


def _measures(
    speakers: Sequence[_Speaker],
    interruptions: Sequence[Interruption],
    backchannels: Sequence[Backchannel],
    content: dict[str, dict[ContentKind, list[ContentItem]]],
) -> list[ParticipantMeasures]:
    speech = {s.pid: _merge((w.start, w.end) for w in s.words) for s in speakers}
    talk = {pid: _length(iv) for pid, iv in speech.items()}
    total = sum(talk.values())
    new_total = sum(len(c[ContentKind.NEW_POINT]) for c in content.values())
    out: list[ParticipantMeasures] = []
    for s in speakers:
        others = _merge(iv for pid, ivs in speech.items() if pid != s.pid for iv in ivs)
        turns = [t for t in s.turns if not t.backchannel]
        mine = content.get(s.pid) or {kind: [] for kind in ContentKind}
        new_points = mine[ContentKind.NEW_POINT]
        out.append(
            ParticipantMeasures(
                participant_id=s.pid,
                name=s.name,
                talk_time_s=_r(talk[s.pid]),
                talk_share=_r(talk[s.pid] / total, 4) if total > 0 else 0.0,
                turns=len(turns),
                mean_turn_s=_r(sum(t.end - t.start for t in turns) / len(turns)) if turns else 0.0,
                words=_r(count_words(_join(w.text for w in s.words)), 1),
                overlap_s=_r(_intersection(speech[s.pid], others)),
                interruptions_made=sum(1 for i in interruptions if i.by == s.pid),
                interruptions_received=sum(1 for i in interruptions if i.of == s.pid),
                backchannels=sum(1 for b in backchannels if b.by == s.pid),
                supports=mine[ContentKind.SUPPORT],
                new_points=new_points,
                evidence=mine[ContentKind.EVIDENCE],
                steering=mine[ContentKind.STEERING],
                new_point_share=_r(len(new_points) / new_total, 4) if new_total else 0.0,
            )
        )
    ranked = sorted(range(len(out)), key=lambda k: (-len(out[k].new_points), -out[k].talk_share, k))
    for rank, k in enumerate(ranked, start=1):
        out[k].contribution_rank = rank
    return out


def analyse_group(
    tracks: Sequence[ParticipantTrack], similarity: Similarity, criteria: Criteria | None = None
) -> GroupAnalysis:
    """Measure a group discussion from its participants' tracks (see the module doc for every rule).

    ``similarity(a, b)`` scores two sentences (higher: closer in meaning); the default ``criteria`` are set for
    the project's sentence encoder. Input problems come back as ``flags``; nothing is raised for them.
    """
    criteria = criteria or Criteria()
    flags: list[GroupFlag] = []
    if not tracks:
        flags.append(GroupFlag(code=FlagCode.NO_TRACKS, detail="the session has no tracks"))
    speakers = _speakers(tracks, flags)
    flags += _track_flags(speakers, criteria)
    for speaker in speakers:
        speaker.turns = _turns(speaker, criteria)
    interruptions = _interruptions(speakers, criteria)
    backchannels = _backchannels(speakers)
    sentences = sorted(
        (s for speaker in speakers for s in _sentences(speaker)), key=lambda s: (s.start, s.end, s.pid)
    )
    ctx = _Context(sentences, _name_index(speakers, flags), similarity, criteria)
    measures = _measures(speakers, interruptions, backchannels, _content(ctx))
    flags += _overlap_flags(measures, criteria)
    spans = [span for s in speakers for span in s.spans]
    turns = sorted(
        (
            Turn(
                participant_id=t.pid,
                start_s=_r(t.start),
                end_s=_r(t.end),
                text=t.text,
                words=_r(count_words(t.text), 1),
                backchannel=t.backchannel,
            )
            for s in speakers
            for t in s.turns
        ),
        key=lambda t: (t.start_s, t.participant_id),
    )
    return GroupAnalysis(
        participants=measures,
        ranking=[m.participant_id for m in sorted(measures, key=lambda m: m.contribution_rank)],
        interruptions=interruptions,
        interruption_pairs=_pairs(interruptions),
        backchannels=backchannels,
        turns=turns,
        total_talk_s=_r(sum(m.talk_time_s for m in measures)),
        start_s=_r(min((a for a, _ in spans), default=0.0)),
        end_s=_r(max((b for _, b in spans), default=0.0)),
        flags=flags,
        criteria=criteria,
    )
