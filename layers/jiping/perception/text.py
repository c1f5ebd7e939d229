"""Text utilities for Chinese and English transcripts: Simplified script, word tokens (jieba), filler words.
The rules and word lists: docs/text.md."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jiping.perception.transcription import to_simplified

BREAK = "|"  # a boundary token: punctuation or a pause

JIEBA_CACHE_DIR = Path(tempfile.gettempdir()) / "jiping-jieba"

FILLERS: dict[str, tuple[str, ...]] = {
    "zh": ("嗯", "啊", "呃", "额", "那个", "就是", "然后"),
    "en": ("um", "uh", "erm", "er", "hmm", "like", "you know"),
}

# Always fillers: canonical form -> the token spellings that count as it.
_ALWAYS: dict[str, dict[str, re.Pattern[str]]] = {
    "zh": {f: re.compile(rf"{f}+") for f in ("嗯", "啊", "呃", "额")},
    "en": {
        "um": re.compile(r"u+m+"),
        "uh": re.compile(r"u+h+"),
        "erm": re.compile(r"e+r+m+"),
        "er": re.compile(r"er"),
        "hmm": re.compile(r"h+m+"),
    },
}
# Context fillers as token sequences.
_CONTEXT: dict[str, tuple[tuple[str, ...], ...]] = {
    "zh": (("那个",), ("就是",), ("然后",)),
    "en": (("you", "know"), ("like",)),
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PUNCT = re.compile(r"[\W_]+")  # a token with no letter, digit or hanzi
_WORD_OR_PUNCT = re.compile(r"(\w+(?:['’\-]\w+)*)|([^\w\s]+)")

_LOCK = threading.Lock()
_TOKENIZER: Any = None  # jieba.Tokenizer
_TAGGER: Any = None  # jieba.posseg.POSTokenizer over _TOKENIZER


def is_chinese(language: str | None) -> bool:
    lang = (language or "").lower()
    return lang in {"zh", "yue"} or lang.startswith("zh-")


def filler_language(language: str | None) -> str | None:
    """The key of ``FILLERS`` for a transcript language, or None when there is no filler list."""
    if is_chinese(language):
        return "zh"
    lang = (language or "").lower().split("-")[0]
    return lang if lang in FILLERS else None


def simplified(text: str) -> str:
    """Traditional to Simplified Chinese (OpenCC t2s); other scripts pass through unchanged."""
    return to_simplified(text)


def hanzi_count(text: str) -> int:
    """The number of Chinese characters (CJK ideographs) in ``text``; punctuation and Latin are not counted."""
    return len(_CJK.findall(text))


def _tokenizer(cache_dir: Path | None = None) -> Any:
    global _TOKENIZER
    with _LOCK:
        if _TOKENIZER is None:
            with warnings.catch_warnings():  # jieba imports pkg_resources, which warns on new setuptools
                warnings.simplefilter("ignore")
                import jieba

            jieba.setLogLevel(logging.WARNING)  # jieba logs every initialisation at DEBUG to stderr
            tokenizer = jieba.Tokenizer()
            directory = cache_dir or JIEBA_CACHE_DIR
            try:
                directory.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(directory)
            except OSError:
                pass  # jieba falls back to the system temp dir; a failed cache write is not an error
            tokenizer.initialize()
            _TOKENIZER = tokenizer
        return _TOKENIZER


def tagged(text: str) -> list[tuple[str, str]]:
    """Chinese words with their part of speech (jieba.posseg, ICTCLAS tags: ``v`` verb, ``n`` noun, ``t``
    time, ``r`` pronoun, ``x`` punctuation…), after t2s; one tagger per process over the shared tokenizer."""
    global _TAGGER
    tokenizer = _tokenizer()
    with _LOCK:
        if _TAGGER is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import jieba.posseg

            _TAGGER = jieba.posseg.POSTokenizer(tokenizer)
    return [(w.word, w.flag) for w in _TAGGER.lcut(simplified(text), HMM=True) if w.word.strip()]


def _chinese_tokens(text: str) -> list[str]:
    return [t for t in _tokenizer().lcut(simplified(text), HMM=True) if t.strip()]


def _regex_tokens(text: str) -> list[str]:
    return [m.group(0) for m in _WORD_OR_PUNCT.finditer(text)]


def segment(text: str, language: str | None, *, breaks: bool = False) -> list[str]:
    """Word tokens of ``text``: jieba for Chinese (after t2s), regex words otherwise.

    Without ``breaks``, punctuation is dropped. With ``breaks``, each run of punctuation becomes one
    ``BREAK`` token (never two in a row, never first or last), for ``count_fillers``.
    """
    raw = _chinese_tokens(text) if is_chinese(language) else _regex_tokens(text)
    tokens: list[str] = []
    for tok in raw:
        if tok == BREAK or _PUNCT.fullmatch(tok):
            if breaks and tokens and tokens[-1] != BREAK:
                tokens.append(BREAK)
        else:
            tokens.append(tok)
    if tokens and tokens[-1] == BREAK:
        tokens.pop()
    return tokens


def _always(token: str, lang: str) -> str | None:
    for name, pattern in _ALWAYS[lang].items():
        if pattern.fullmatch(token):
            return name
    return None


def count_fillers(tokens: Sequence[str], language: str | None) -> dict[str, int]:
    """Filler words in ``tokens`` by canonical form (only those found), following the module's rules.

    Tokens that are ``BREAK`` or punctuation mark boundaries. Latin tokens are compared in lower case.
    Returns ``{}`` for a language without a filler list (see ``filler_language``).
    """
    lang = filler_language(language)
    if lang is None:
        return {}
    toks = [BREAK if (t == BREAK or _PUNCT.fullmatch(t)) else t.lower() for t in tokens if t.strip()]
    counts: dict[str, int] = {}

    def boundary(k: int) -> bool:
        return k < 0 or k >= len(toks) or toks[k] == BREAK or _always(toks[k], lang) is not None

    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok == BREAK:
            i += 1
            continue
        name = _always(tok, lang)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
            i += 1
            continue
        phrase = next((p for p in _CONTEXT[lang] if tuple(toks[i : i + len(p)]) == p), None)
        if phrase is None:
            i += 1
            continue
        size = len(phrase)
        end = i + size
        runs = 1
        while tuple(toks[end : end + size]) == phrase:
            runs += 1
            end += size
        counted = runs if (boundary(i - 1) and boundary(end)) else runs - 1
        if counted:
            key = " ".join(phrase) if lang != "zh" else "".join(phrase)
            counts[key] = counts.get(key, 0) + counted
        i = end
    order = {f: k for k, f in enumerate(FILLERS[lang])}
    return dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order))))
