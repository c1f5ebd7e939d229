"""Text features of one answer, computed only from what the candidate actually said.

Chinese (``zh``, ``yue``, ``zh-*``) is converted to Simplified and cut with jieba (``jiping.perception.text``);
every other language uses the English rules below (regex words, English cue lists).

Relevance (needs a ``SentenceEncoder``; absent without one)
    ``relevance_to_question``: cosine of the whole answer's and the question's embeddings, clipped to
    0–1. ``relevance_to_competency[id]``: cosine of the answer and the competency's indicator phrases
    *joined into one text* (``、`` / ``, ``), clipped to 0–1: one embedding per competency, and a
    list of phrases reads closer to what a good answer covers than any single short phrase.
    The encoder (USE multilingual v3) relates a concrete answer to an abstract question only weakly:
    on-topic answers measured 0.03–0.28 against their question, off-topic ones -0.01–0.02. So
    relevance is a weak signal: it ranks, it does not judge alone (see off-topic below).

Indicator coverage (``indicator_coverage[id]``: share of the competency's phrases found, n = phrases)
    Chinese: a phrase counts when it occurs in the answer's jieba tokens (joined, so a phrase may
    span tokens: 客户满意 in 客户 / 很 / 满意 does not, 客户满意 in 客户 / 满意 does); a one-character
    phrase must be a whole token (so 听 does not match 好听). English: lower-case words with a simple
    stemmer (irregular past forms such as led/built/wrote, plural -s/-es/-ies, -ed, -ing, final -e, doubled
    consonant: "communicated" =
    "communicating" = "communicate"); a multi-word phrase must match consecutive words.
    Negation: an occurrence does not count when one of the 3 tokens before it (not crossing
    punctuation) is a negator (``NEGATORS``: 不 没 没有 从不 并不 未 毫无 缺乏… / not never no without
    and any ``n't`` word), or the token holding it starts with 不/没/未/无 before the phrase
    (不满意 does not count 满意). "我没有耐心" does not count 耐心. Double negation is not undone.
    Aspect particles: 了/过/着 standing as their own tokens are ignored on a second pass, so the
    phrase 安排补发 matches 安排了补发 and 处理投诉 matches 处理过投诉.

STAR structure (``star``)
    Cue phrases, matched as substrings of the Simplified text (zh) or as whole words in the lower-case
    text (en); lists in ``STAR_CUES``. A component is present when any of its cues is; the score is the
    share of the four components present (n = sentences).
    situation (time / scene): 上个月 去年 有一次 当时 那次 之前… and "N年前"; last month/year, once,
    one time, when I, at the time, in my last/previous…; task (goal / duty): 需要 负责 目标 任务 要求
    为了…; my task, my goal, I was responsible, I needed to, we had to…; action (first-person action):
    我先 我就 我主动 然后我 我立刻 我决定 我联系…; I led, I built, I called, I wrote, then I, so I…;
    result (outcome / numbers): 最后 最终 结果 满意 好评 提高了 降低了 减少了 节省了 缩短了 %…;
    finally, as a result, in the end, increased, reduced, cut, saved, improved by, %….

Specificity (``specificity``)
    ``numbers``: Arabic numbers (``40%``, ``2,000``, ``3.5``: one each) plus Chinese numeral tokens
    (三, 两周, 三十, 第二次, 百分之 + numeral) and English number words (two, twelve, hundred…); a bare
    一 / 一次 / 一个 and "one" are not counted (they are mostly articles, not figures).
    ``action_verbs``: tokens that are concrete work verbs (``ACTION_VERBS``: 查 安排 补发 联系 设计
    测试…; built, called, automated, reduced…); generic verbs (沟通, 解决, work, try, improve) are not.
    ``ownership``: I / (I + we) over first-person pronouns (我, also inside tokens such as 我先, vs
    我们/咱们; I, me, my, myself vs we,
    us, our, ourselves); absent when neither is used.
    ``score`` (0–1): the mean of min(numbers / 3, 1) and min(action_verbs / 4, 1): how concrete the
    account is. Ownership is reported beside it, not mixed in: an answer about one's holidays is full
    of "I" and says nothing specific about the work.

Off-topic (``is_off_topic``)
    ``relevance_to_question < OFF_TOPIC_THRESHOLD`` (0.12) **and** no indicator phrase of any
    competency found. 0.12 is the level of unrelated sentence pairs (zh unrelated 0.12 in the
    measured facts, 0.02 in English); on-topic answers measured 0.03–0.28, off-topic -0.01–0.02, so
    relevance alone would flag terse on-topic answers: the indicator condition guards them. Without an
    encoder nothing is judged off-topic (the reason says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import Field

from jiping.domain.measures import Measure
from jiping.domain.models import Model
from jiping.perception.text import BREAK, is_chinese, segment, simplified

if TYPE_CHECKING:
    from jiping.scoring.encoder import SentenceEncoder

OFF_TOPIC_THRESHOLD = 0.12
NEGATION_WINDOW = 3
NUMBERS_FULL = 3  # numbers for a full numbers component of the specificity score
ACTIONS_FULL = 4  # concrete action verbs for a full actions component

NEGATORS: dict[str, frozenset[str]] = {
    "zh": frozenset(
        [
            "不",
            "没",
            "没有",
            "从不",
            "并不",
            "从没",
            "从没有",
            "从来不",
            "从来没",
            "从来没有",
            "并没有",
            "未",
            "未能",
            "别",
            "毫无",
            "缺乏",
            "无",
            "不太",
            "不够",
            "不是",
            "不怎么",
            "没什么",
            "不会",
            "不能",
        ]
    ),
    "en": frozenset(
        [
            "not",
            "never",
            "no",
            "none",
            "nobody",
            "nothing",
            "neither",
            "nor",
            "without",
            "hardly",
            "barely",
            "cannot",
        ]
    ),
}
_ZH_NEG_PREFIX = ("不", "没", "未", "无")

STAR_CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "situation": (
            "上个月",
            "上周",
            "上星期",
            "去年",
            "前年",
            "今年",
            "有一次",
            "有次",
            "当时",
            "那次",
            "那时",
            "之前",
            "以前",
            "曾经",
            "上一家",
            "在上家",
            "刚入职",
        ),
        "task": ("需要", "负责", "目标", "任务", "要求", "职责", "为了", "必须", "我得", "希望能"),
        "action": (
            "我先",
            "我就",
            "我主动",
            "然后我",
            "接着我",
            "我立刻",
            "我马上",
            "我决定",
            "我联系",
            "我安排",
            "我带领",
            "我组织",
            "我提出",
            "我设计",
            "我查",
            "我找",
            "我亲自",
            "我把",
            "我给",
            "我跟",
        ),
        "result": (
            "最后",
            "最终",
            "结果",
            "后来",
            "满意",
            "好评",
            "提高了",
            "提升了",
            "降低了",
            "减少了",
            "增加了",
            "节省了",
            "缩短了",
            "解决了",
            "成功",
            "%",
            "％",
            "百分之",
        ),
    },
    "en": {
        "situation": (
            "last month",
            "last year",
            "last week",
            "last quarter",
            "once",
            "one time",
            "when i",
            "when we",
            "at the time",
            "in my last",
            "in my previous",
            "at my previous",
            "at my last",
            "a few months ago",
            "years ago",
            "months ago",
        ),
        "task": (
            "my task",
            "my goal",
            "my job was",
            "my role",
            "i was responsible",
            "i was asked",
            "i needed to",
            "i had to",
            "we had to",
            "we needed to",
            "the goal",
            "the task",
            "responsible for",
            "in order to",
        ),
        "action": (
            "i led",
            "i built",
            "i called",
            "i wrote",
            "i rewrote",
            "i designed",
            "i created",
            "i organized",
            "i organised",
            "i automated",
            "i introduced",
            "i proposed",
            "i decided",
            "i set up",
            "i started",
            "i listened",
            "i checked",
            "i arranged",
            "i contacted",
            "i talked",
            "i reached out",
            "i analyzed",
            "i analysed",
            "i implemented",
            "i added",
            "i fixed",
            "i launched",
            "i negotiated",
            "i trained",
            "i first",
            "then i",
            "so i",
        ),
        "result": (
            "finally",
            "as a result",
            "in the end",
            "eventually",
            "increased",
            "reduced",
            "decreased",
            "cut",
            "saved",
            "improved by",
            "grew",
            "resulted in",
            "satisfied",
            "%",
            "percent",
        ),
    },
}

_ACTION_WORDS = {
    "zh": (
        "听 倾听 查 查询 核实 安排 补发 退款 赔偿 道歉 联系 打电话 回访 跟进 解释 记录 整理 分析 设计 开发 编写 "
        "写 测试 上线 部署 优化 重构 修复 组织 协调 带领 推动 制定 调整 培训 谈判 提交 汇报 统计 调研 搭建 "
        "自动化 发起 申请 补偿 更换 换货 送"
    ),
    "en": (
        "led lead build built call wrote write rewrote rewrite design create organize organise automate "
        "reduce increase cut fix launch analyze analyse implement negotiate train migrate measure test "
        "deploy hire refund apologize apologise listen check arrange introduce interview mentor coach "
        "present survey prototype refactor ship schedule contact replace"
    ),
}
_EN_NUMBER_WORDS = frozenset(
    [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "twice",
        "half",
        "dozen",
    ]
)
_I_WORDS = {"en": frozenset({"i", "me", "my", "myself", "mine"})}
_WE_WORDS = {"en": frozenset({"we", "us", "our", "ourselves", "ours"})}

_ARABIC = re.compile(r"\d+(?:[.,]\d+)*\s*[%％]?")
_ZH_NUMERAL = re.compile(
    r"第?([零〇一二三四五六七八九十百千万亿两]+)(?:个|位|名|次|天|年|月|周|小时|分钟|倍|成|元|块|单|家|人|项|点)?"
)
_ZH_AGO = re.compile(r"[一二三四五六七八九十两几\d]+个?(?:年|月|周|星期|天)前")
_SENTENCE_END = re.compile(r"[。！？!?.;；\n]+")
_HAS_WORD = re.compile(r"[\w\u3400-\u9fff]")


# --- models -------------------------------------------------------------------------------------


class StarStructure(Model):
    situation: bool = False
    task: bool = False
    action: bool = False
    result: bool = False
    score: Measure  # share of the four components present, n = sentences
    cues: dict[str, list[str]] = Field(default_factory=dict)  # component -> cues found


class Specificity(Model):
    numbers: Measure  # count, n = tokens
    action_verbs: Measure  # count, n = tokens
    ownership: Measure  # I / (I + we), n = first-person pronouns
    score: Measure  # 0-1, see the module doc


class AnswerFeatures(Model):
    """What one answer's text shows; every value carries its support or why it is missing."""

    language: str
    tokens: Measure
    characters: Measure
    sentences: int = 0
    relevance_to_question: Measure
    relevance_to_competency: dict[str, Measure] = Field(default_factory=dict)
    indicator_coverage: dict[str, Measure] = Field(default_factory=dict)
    indicator_hits: dict[str, list[str]] = Field(default_factory=dict)  # competency -> phrases found
    negated_indicators: dict[str, list[str]] = Field(default_factory=dict)  # found, but negated
    star: StarStructure
    specificity: Specificity
    is_empty: bool = False
    empty_reason: str | None = None
    is_off_topic: bool = False
    off_topic_reason: str | None = None
    encoder: str | None = None  # EncoderInfo.label of the encoder used, if any


# --- helpers ------------------------------------------------------------------------------------


_IRREGULAR = {
    "led": "lead",
    "built": "build",
    "wrote": "write",
    "written": "write",
    "rewrote": "rewrite",
    "ran": "run",
    "made": "make",
    "took": "take",
    "brought": "bring",
    "taught": "teach",
    "met": "meet",
    "spoke": "speak",
    "sold": "sell",
    "won": "win",
    "began": "begin",
    "chose": "choose",
    "drove": "drive",
    "grew": "grow",
    "gave": "give",
    "found": "find",
    "kept": "keep",
    "thought": "think",
    "set": "set",
}


def stem(word: str) -> str:
    """A deliberately small English stemmer: common irregular past forms (led -> lead), plural,
    -ed, -ing, final -e, doubled consonant."""
    w = word.lower().replace("’", "'")
    w = _IRREGULAR.get(w, w)
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies") or len(w) > 4 and w.endswith("ied"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif (
        len(w) > 4
        and w.endswith("ed")
        or len(w) > 4
        and w.endswith("es")
        and (w[-3] in "sxz" or w[-4:-2] in ("ch", "sh"))
    ):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


_ACTION_STEMS = {
    "zh": frozenset(_ACTION_WORDS["zh"].split()),
    "en": frozenset(stem(w) for w in _ACTION_WORDS["en"].split()),
}


ASPECT_PARTICLES = frozenset({"了", "过", "着"})


def _lang(language: str) -> str:
    return "zh" if is_chinese(language) else "en"


def _is_negator(token: str, lang: str) -> bool:
    if lang == "zh":
        return token in NEGATORS["zh"]
    t = token.lower().replace("’", "'")
    return t in NEGATORS["en"] or t.endswith("n't")


def _negated(tokens: Sequence[str], index: int, prefix: str, lang: str) -> bool:
    """Whether the occurrence starting in ``tokens[index]`` (after ``prefix`` of it) is negated."""
    if lang == "zh" and prefix.endswith(_ZH_NEG_PREFIX):
        return True
    for k in range(index - 1, max(index - 1 - NEGATION_WINDOW, -1), -1):
        if tokens[k] == BREAK:
            break
        if _is_negator(tokens[k], lang):
            return True
    return False


def _find_zh(tokens: Sequence[str], phrase: str) -> tuple[bool, bool]:
    """(found un-negated, found only negated) for a Chinese phrase in the tokens, also with the aspect
    particles (``ASPECT_PARTICLES``: 了 过 着 as whole tokens) left out, so 安排补发 matches 安排了补发."""
    phrase = simplified(phrase).replace(" ", "")
    if not phrase:
        return False, False
    found, only_negated = _find_zh_exact(tokens, phrase)
    if found or not any(t in ASPECT_PARTICLES for t in tokens):
        return found, only_negated
    bare = [t for t in tokens if t not in ASPECT_PARTICLES or t == phrase]
    found_bare, negated_bare = _find_zh_exact(bare, phrase)
    return found_bare, (only_negated or negated_bare) and not found_bare


def _find_zh_exact(tokens: Sequence[str], phrase: str) -> tuple[bool, bool]:
    starts: list[int] = []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)
    joined = "".join(tokens)
    seen_negated = False
    if len(phrase) == 1:
        positions = [(i, "") for i, tok in enumerate(tokens) if tok == phrase]
    else:
        positions = []
        at = joined.find(phrase)
        while at >= 0:
            i = max(k for k, s in enumerate(starts) if s <= at)
            positions.append((i, joined[starts[i] : at]))
            at = joined.find(phrase, at + 1)
    for i, prefix in positions:
        if _negated(tokens, i, prefix, "zh"):
            seen_negated = True
        else:
            return True, False
    return False, seen_negated


def _find_en(stems: Sequence[str], phrase: str) -> tuple[bool, bool]:
    words = [stem(w) for w in segment(phrase, "en")]
    if not words:
        return False, False
    seen_negated = False
    size = len(words)
    for i in range(len(stems) - size + 1):
        if list(stems[i : i + size]) == words:
            if _negated(stems, i, "", "en"):
                seen_negated = True
            else:
                return True, False
    return False, seen_negated


def _star(text_norm: str, lang: str, sentences: int) -> StarStructure:
    cues: dict[str, list[str]] = {}
    for component, phrases in STAR_CUES[lang].items():
        found: list[str] = []
        for cue in phrases:
            if lang == "zh" or not cue[0].isalnum():
                hit = cue in text_norm
            else:
                hit = re.search(rf"(?<![\w']){re.escape(cue)}(?![\w'])", text_norm) is not None
            if hit:
                found.append(cue)
        if lang == "zh" and component == "situation":
            found.extend(m.group(0) for m in _ZH_AGO.finditer(text_norm))
        if found:
            cues[component] = found
    present = {c: c in cues for c in ("situation", "task", "action", "result")}
    return StarStructure(**present, score=Measure.of(sum(present.values()) / 4, sentences), cues=cues)


def _count_numbers(text_norm: str, words: Sequence[str], lang: str) -> int:
    count = len(_ARABIC.findall(text_norm))
    if lang == "zh":
        for i, tok in enumerate(words):
            if tok == "百分之" and i + 1 < len(words) and _ZH_NUMERAL.fullmatch(words[i + 1]):
                continue  # 百分之三十: counted once, as 三十
            m = _ZH_NUMERAL.fullmatch(tok)
            if m and m.group(1) != "一":
                count += 1
    else:
        count += sum(1 for w in words if w.lower() in _EN_NUMBER_WORDS)
    return count


def _specificity(text_norm: str, words: Sequence[str], lang: str) -> Specificity:
    n = len(words)
    numbers = _count_numbers(text_norm, words, lang)
    if lang == "zh":  # a reduplicated verb (听听, 查查) counts as the verb
        keyed = [w[0] if len(w) == 2 and w[0] == w[1] else w for w in words]
    else:
        keyed = [stem(w) for w in words]
    actions = sum(1 for w in keyed if w in _ACTION_STEMS[lang])
    if lang == "zh":  # jieba keeps 我先, 我就… as one token: count 我 inside tokens, apart from 我们
        ours = sum(w.count("我们") + w.count("咱们") for w in words)
        mine = sum(w.count("我") - w.count("我们") for w in words)
    else:
        lowered = [w.lower() for w in words]
        mine = sum(1 for w in lowered if w in _I_WORDS[lang])
        ours = sum(1 for w in lowered if w in _WE_WORDS[lang])
    ownership = (
        Measure.of(mine / (mine + ours), mine + ours, "share")
        if mine + ours
        else Measure.absent("no first-person pronoun (I / we)")
    )
    score = (min(numbers / NUMBERS_FULL, 1.0) + min(actions / ACTIONS_FULL, 1.0)) / 2
    return Specificity(
        numbers=Measure.of(numbers, n, "count"),
        action_verbs=Measure.of(actions, n, "count"),
        ownership=ownership,
        score=Measure.of(score, n),
    )


def _empty(language: str, competencies: dict[str, list[str]], chars: int) -> AnswerFeatures:
    reason = "empty answer: no words"
    absent = Measure.absent(reason)
    return AnswerFeatures(
        language=language,
        tokens=Measure.of(0, 0, "tokens"),
        characters=Measure.of(chars, chars, "characters"),
        relevance_to_question=absent,
        relevance_to_competency={cid: absent for cid in competencies},
        indicator_coverage={cid: absent for cid in competencies},
        star=StarStructure(score=absent),
        specificity=Specificity(numbers=absent, action_verbs=absent, ownership=absent, score=absent),
        is_empty=True,
        empty_reason=reason,
        off_topic_reason="not judged: the answer is empty",
    )


def joined(phrases: Iterable[str], lang: str) -> str:
    """Indicator phrases as one text, the way ``relevance_to_competency`` embeds them."""
    return ("、" if lang == "zh" else ", ").join(phrases)


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


# --- the feature function ------------------------------------------------------------------------


def analyze_answer(
    text: str,
    language: str,
    question: str,
    competencies: dict[str, list[str]],
    encoder: SentenceEncoder | None,
) -> AnswerFeatures:
    """Text features of one answer; see the module doc for every rule and threshold."""
    lang = _lang(language)
    raw = text or ""
    text_norm = simplified(raw) if lang == "zh" else raw.lower()
    tokens = segment(raw, language if lang == "zh" else "en", breaks=True)
    words = [t for t in tokens if t != BREAK]
    chars = len(re.sub(r"\s+", "", text_norm))
    if not words or not _HAS_WORD.search(text_norm):
        return _empty(language, competencies, chars)

    n = len(words)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text_norm) if _HAS_WORD.search(s)]))

    # Indicator coverage, negation-aware.
    keyed = tokens if lang == "zh" else [t if t == BREAK else stem(t) for t in tokens]
    coverage: dict[str, Measure] = {}
    hits: dict[str, list[str]] = {}
    negated: dict[str, list[str]] = {}
    for cid, phrases in competencies.items():
        found: list[str] = []
        neg: list[str] = []
        for phrase in phrases:
            ok, only_negated = _find_zh(keyed, phrase) if lang == "zh" else _find_en(keyed, phrase)
            if ok:
                found.append(phrase)
            elif only_negated:
                neg.append(phrase)
        hits[cid] = found
        if neg:
            negated[cid] = neg
        coverage[cid] = (
            Measure.of(len(found) / len(phrases), len(phrases), "share")
            if phrases
            else Measure.absent("the competency has no indicator phrases")
        )
    any_hit = any(hits.values())

    # Relevance.
    rel_comp: dict[str, Measure] = {}
    encoder_label = None
    if encoder is None:
        rel_q = Measure.absent("no sentence encoder", n)
        rel_comp = {cid: Measure.absent("no sentence encoder", n) for cid in competencies}
    else:
        encoder_label = encoder.info.label
        comp_ids = [cid for cid, phrases in competencies.items() if phrases]
        vectors = encoder.encode(
            [raw, question or ""] + [joined(competencies[cid], lang) for cid in comp_ids]
        )
        answer_vec = vectors[0]
        rel_q = (
            Measure.of(_clip01(float(answer_vec @ vectors[1])), n, "cosine")
            if (question or "").strip()
            else Measure.absent("no question text", n)
        )
        for k, cid in enumerate(comp_ids):
            rel_comp[cid] = Measure.of(_clip01(float(answer_vec @ vectors[2 + k])), n, "cosine")
        for cid in competencies:
            rel_comp.setdefault(cid, Measure.absent("the competency has no indicator phrases", n))

    # Off-topic.
    if rel_q.value is None:
        off_topic, off_reason = False, f"not judged: {rel_q.missing}"
    elif rel_q.value < OFF_TOPIC_THRESHOLD and not any_hit:
        off_topic = True
        off_reason = (
            f"relevance to the question {rel_q.value:.2f} < {OFF_TOPIC_THRESHOLD} "
            "and no indicator phrase found"
        )
    elif rel_q.value < OFF_TOPIC_THRESHOLD:
        off_topic, off_reason = False, f"low relevance {rel_q.value:.2f}, but indicator phrases found"
    else:
        off_topic, off_reason = False, None

    return AnswerFeatures(
        language=language,
        tokens=Measure.of(n, n, "tokens"),
        characters=Measure.of(chars, chars, "characters"),
        sentences=sentences,
        relevance_to_question=rel_q,
        relevance_to_competency=rel_comp,
        indicator_coverage=coverage,
        indicator_hits=hits,
        negated_indicators=negated,
        star=_star(text_norm, lang, sentences),
        specificity=_specificity(text_norm, words, lang),
        is_off_topic=off_topic,
        off_topic_reason=off_reason,
        encoder=encoder_label,
    )
