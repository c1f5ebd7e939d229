"""What the checks decide: the kinds of sentence and answer, the gaming codes, their thresholds and caps."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field

from jiping.domain.models import Model

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yaml"

LIST_MIN_ITEMS = 4
LIST_SHARE = 0.5  # of the content: the answer is a list
LIST_FLAG_SHARE = 0.15  # of the content: a list appended to an answer is flagged
ECHO_SENTENCE_SHARE = 0.6  # of a sentence's content words found in the question
ECHO_SHARE = 0.5  # of the answer's content in echo sentences, or of its content words in the question
ECHO_NOVEL_WORDS = 14  # ... with at most this many distinct words of its own
REUSE_SIMILARITY = 85.0  # rapidfuzz token-set ratio between two answers (0-100)
REUSE_MIN_CHARS = 30
NUMBERS_MIN = 3

CAPS = {
    "narrative": 5.0,
    "generic": 3.0,
    "thin_claim": 2.0,
}


class SentenceKind(StrEnum):
    EVENT = "event"
    HABIT = "habit"
    SELF = "self"
    LIST = "list"
    ECHO = "echo"
    NUMBERS = "numbers"
    INSTRUCTION = "instruction"
    OTHER = "other"


LIST_MEDIAN_ITEM = {  # characters / words: a list's items are short
    SentenceKind.LIST: {"zh": 5, "en": 3},
    SentenceKind.NUMBERS: {"zh": 10, "en": 6},
}


class AnswerKind(StrEnum):
    EMPTY = "empty"
    NARRATIVE = "narrative"
    THIN_CLAIM = "thin_claim"
    GENERIC = "generic"
    SELF_DESCRIPTION = "self_description"
    KEYWORD_LIST = "keyword_list"
    ECHO = "echo"
    NUMBERS = "numbers"
    NO_NARRATIVE = "no_narrative"


class GamingCode(StrEnum):
    KEYWORD_LIST = "KEYWORD_LIST"
    NO_NARRATIVE = "NO_NARRATIVE"
    ECHOED_QUESTION = "ECHOED_QUESTION"
    REUSED_ANSWER = "REUSED_ANSWER"
    LANGUAGE_MISMATCH = "LANGUAGE_MISMATCH"
    SCORER_INSTRUCTION = "SCORER_INSTRUCTION"
    NUMBERS_WITHOUT_STORY = "NUMBERS_WITHOUT_STORY"
    JUDGE_DISAGREEMENT = "JUDGE_DISAGREEMENT"  # the judge's layers read the answer two or more levels apart


class GamingFlag(Model):
    code: GamingCode
    detail: str  # in English, for HR and the webhook; ids and measures only, never the candidate's words


class Sentence(Model):
    index: int
    text: str
    start: int  # character offsets in the answer text
    end: int
    kind: SentenceKind
    person: str = "none"  # i | we | other | none: who acts in it
    actions: int = 0  # non-stative verbs


class TextChecks(Model):
    language: str  # zh | en, from the text itself
    sentences: list[Sentence] = Field(default_factory=list)
    kind: AnswerKind
    episode: bool = False
    events: int = 0
    own_events: int = 0  # events told in the first person (I or we)
    list_share: float = 0.0
    echo_share: float = 0.0
    numbers: int = 0
    cap: float = 1.0
    flags: list[GamingFlag] = Field(default_factory=list)

    def judged_text(self) -> str:
        """The answer as the model reads it: without the sentences addressed to the scorer."""
        return "".join(
            s.text if self.language == "zh" else s.text + " "
            for s in self.sentences
            if s.kind is not SentenceKind.INSTRUCTION
        ).strip()

    def codes(self) -> list[GamingCode]:
        return [f.code for f in self.flags]
