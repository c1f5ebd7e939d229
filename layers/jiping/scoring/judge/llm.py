"""The judge's language model, run by llama.cpp (llama-cpp-python): how well each anchor sums up an answer.
The model, the scoring of anchors and the pinned runtime: docs/judge.md."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jiping import model_assets
from jiping.domain.errors import ModelAssetError
from jiping.scoring.judge.prompt import (
    ASSISTANT_OPEN,
    PROMPT_VERSION,
    SYSTEM_OPEN,
    TURN_END,
    USER_OPEN,
    wording,
)

JUDGE_ASSET = "judge-llm"
JUDGE_FILE = "model.gguf"
JUDGE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
N_CTX = 4096  # one cache for the prompt and every anchor's continuation
N_BATCH = 512
MAX_SEQUENCES = 64  # the prompt and up to 63 anchors in one batch
MAX_STORY_TOKENS = 1200  # longer answers are cut (at a token boundary) for the model; the checks see all
MAX_ANCHOR_TOKENS = 24  # an anchor element's first tokens carry its behaviour; the rest costs time only


def pinned_sha256() -> str:
    return next(f.sha256 for f in model_assets.ASSETS[JUDGE_ASSET].files if f.name == JUDGE_FILE)


class LlamaJudgeModel:
    """One llama.cpp context over the judge's GGUF; thread-safe (calls are serialised).

    The answer's prompt is evaluated once, in sequence 0; every anchor continues it in a sequence of its
    own (the prompt's keys and values shared, ``llama_memory_seq_cp``), all anchors of all competencies in
    one batch: a decode of 200 tokens at once costs a third of twenty decodes of ten on these CPUs.
    """

    def __init__(self, model_path: Path, *, threads: int = 2, verify: bool = True) -> None:
        model_path = Path(model_path)
        if not model_path.is_file():
            raise ModelAssetError(f"judge model {model_path} does not exist")
        self.sha256 = _sha256(model_path) if verify else pinned_sha256()
        if self.sha256 != pinned_sha256():
            raise ModelAssetError(f"{model_path}: sha256 {self.sha256[:12]} is not the pinned judge model")
        import llama_cpp  # heavy: only where answers are judged
        from llama_cpp import Llama
        from llama_cpp._internals import LlamaContext

        self._lib: Any = llama_cpp
        self._llm: Any = Llama(
            model_path=str(model_path),
            n_ctx=256,
            n_batch=N_BATCH,
            n_threads=threads,
            n_threads_batch=threads,
            seed=0,
            verbose=False,
        )  # the tokenizer and the weights
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = N_CTX
        params.n_batch = params.n_ubatch = N_BATCH
        params.n_seq_max = MAX_SEQUENCES
        params.kv_unified = True  # the sequences share one cache: the prompt is stored once
        params.n_threads = params.n_threads_batch = threads
        self._ctx: Any = LlamaContext(model=self._llm._model, params=params, verbose=False)
        self._batch: Any = llama_cpp.llama_batch_init(N_BATCH, 0, MAX_SEQUENCES)
        self._n_vocab = self._llm.n_vocab()
        self._lock = threading.Lock()
        self._cached: list[int] = []  # sequence 0: the prompt whose keys and values are in the cache
        self._last: np.ndarray | None = None  # the log-probabilities after its last token
        self._prior: dict[tuple[str, tuple[tuple[int, ...], ...]], list[list[float]]] = {}
        self.tokens_evaluated = 0  # for the benchmark
        # Freed in this order while the library is whole: at interpreter exit llama_cpp's own __del__ hooks
        # would otherwise run after its module globals are gone and print a TypeError traceback.
        self._finalizer = weakref.finalize(self, _release, llama_cpp, self._batch, self._ctx, self._llm)

    def close(self) -> None:
        """Free the batch, the context and the weights now (also done when the judge is collected, or at exit)."""
        self._finalizer()

    @property
    def label(self) -> str:
        return f"{JUDGE_NAME}@sha256:{self.sha256[:12]}+{PROMPT_VERSION}"

    # -- tokens -----------------------------------------------------------------------------------

    def _special(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    def _plain(self, text: str) -> list[int]:
        """Text as data: special-token strings in it stay plain text."""
        return list(self._llm.tokenize(text.encode(), add_bos=False, special=False))

    def _prompt(self, story: str, language: str) -> list[int]:
        w = wording(language)
        answer = self._plain(story)[:MAX_STORY_TOKENS]
        return (
            self._special(SYSTEM_OPEN)
            + self._plain(w.system)
            + self._special(TURN_END + USER_OPEN)
            + self._plain(w.story)
            + answer
            + self._plain(w.ask)
            + self._special(TURN_END + ASSISTANT_OPEN)
            + self._plain(w.lead)
        )

    # -- evaluation -------------------------------------------------------------------------------

    def _decode(self, items: list[tuple[int, int, int, bool]]) -> list[np.ndarray]:
        """Decode (token, position, sequence, wants logits) items, in batches; the log-softmax rows wanted."""
        rows: list[np.ndarray] = []
        for at in range(0, len(items), N_BATCH):
            chunk = items[at : at + N_BATCH]
            b = self._batch
            b.n_tokens = len(chunk)
            flagged = []
            for i, (token, pos, seq, wanted) in enumerate(chunk):
                b.token[i], b.pos[i], b.n_seq_id[i] = token, pos, 1
                b.seq_id[i][0] = seq
                b.logits[i] = wanted
                if wanted:
                    flagged.append(i)
            if self._lib.llama_decode(self._ctx.ctx, b) != 0:
                raise RuntimeError("llama_decode failed")
            self.tokens_evaluated += len(chunk)
            for i in flagged:
                logits = np.ctypeslib.as_array(
                    self._lib.llama_get_logits_ith(self._ctx.ctx, i), shape=(self._n_vocab,)
                ).astype(np.float64)
                top = logits.max()
                rows.append(logits - (top + np.log(np.exp(logits - top).sum())))
        return rows

    def _set_prompt(self, prompt: list[int]) -> None:
        """Sequence 0 holds ``prompt``, always evaluated whole and at once: how a quantised matrix product
        rounds depends on the batch's size, so the same prompt must always be the same batch for the same
        answer to get the same numbers, whatever the model read before."""
        if prompt == self._cached and self._last is not None:
            return
        self._lib.llama_memory_seq_rm(self._ctx.memory, -1, -1, -1)
        items = [(t, i, 0, i == len(prompt) - 1) for i, t in enumerate(prompt)]
        (self._last,) = self._decode(items)
        self._cached = list(prompt)

    def _continuations(self, prompt: list[int], continuations: list[list[int]]) -> list[list[float]]:
        """Each continuation's token log-probabilities after ``prompt``, all in parallel sequences."""
        out: list[list[float]] = []
        self._set_prompt(prompt)
        assert self._last is not None
        n = len(prompt)
        for group in range(0, len(continuations), MAX_SEQUENCES - 1):
            part = continuations[group : group + MAX_SEQUENCES - 1]
            items: list[tuple[int, int, int, bool]] = []
            for k, cont in enumerate(part, start=1):
                self._lib.llama_memory_seq_cp(self._ctx.memory, 0, k, -1, -1)
                items += [
                    (t, n + j, k, True) for j, t in enumerate(cont[:-1])
                ]  # the last token predicts nothing
            rows = iter(self._decode(items)) if items else iter(())
            for cont in part:
                lps = [float(self._last[cont[0]])]
                lps += [float(next(rows)[t]) for t in cont[1:]]
                out.append([round(v, 4) for v in lps])
            for k in range(1, len(part) + 1):
                self._lib.llama_memory_seq_rm(self._ctx.memory, k, -1, -1)
        return out

    def anchor_fit(self, story: str, language: str, anchors: Sequence[str]) -> list[float]:
        """For each anchor text: mean log p(anchor | the story) − mean log p(anchor | no story), over the
        anchor's first ``MAX_ANCHOR_TOKENS`` tokens."""
        return [
            round(float(np.mean(np.asarray(lp) - np.asarray(prior))), 4)
            for lp, prior in self.anchor_tokens(story, language, anchors)
        ]

    def anchor_tokens(
        self, story: str, language: str, anchors: Sequence[str], limit: int = MAX_ANCHOR_TOKENS
    ) -> list[tuple[list[float], list[float]]]:
        """Per anchor, the log-probabilities of its first ``limit`` tokens after the story and after no story."""
        w = wording(language)
        with self._lock:
            conts = [(self._plain(a.strip()) or self._plain(a))[:limit] for a in anchors]
            # The priors of exactly this set of anchors, read in the same batch as the story's will be (see
            # _set_prompt): the same numbers in every process, whatever it judged before.
            key = (language, tuple(tuple(c) for c in conts))
            if key not in self._prior:
                self._prior[key] = self._continuations(self._prompt(w.no_story, language), conts)
            readings = self._continuations(self._prompt(story, language), conts)
            return list(zip(readings, self._prior[key], strict=True))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


_LOCK = threading.Lock()
_MODELS: dict[str, LlamaJudgeModel] = {}


def load_judge_model(
    model_dir: Path | None = None,
    cache_dir: Path | None = None,
    allow_fetch: bool = True,
    *,
    threads: int = 2,
) -> LlamaJudgeModel:
    """The process-wide judge model: from ``model_dir`` (an explicit path) or the verified asset cache."""
    directory = model_assets.resolve(
        JUDGE_ASSET, explicit_path=model_dir, cache_dir=cache_dir, allow_fetch=allow_fetch
    )
    key = str(Path(directory).resolve())
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            # A cache directory built by model_assets was checked against the pinned sha256 when it was
            # filled; an explicit path (an image's baked model) is hashed here, once per process.
            verified = (
                model_dir is None
                and model_assets.recorded_sha256(Path(directory), JUDGE_FILE) == pinned_sha256()
            )
            model = LlamaJudgeModel(Path(directory) / JUDGE_FILE, threads=threads, verify=not verified)
            _MODELS[key] = model
    return model


def _release(lib: Any, batch: Any, ctx: Any, llm: Any) -> None:
    with contextlib.suppress(Exception):  # best effort: nothing is left to save
        lib.llama_batch_free(batch)
    ctx.close()
    llm.close()
