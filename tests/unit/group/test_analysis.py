"""Group-discussion analysis on a scripted session with planted truth: talk shares, interruptions, backchannels,
supports, new points, evidence and steering come back as planted, with quotes on the shared clock."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from jiping.domain.models import AsrModelInfo, Segment, Transcript, Word
from jiping.group.analysis import (
    BACKCHANNEL_MAX_S,
    MIN_OVERLAP_S,
    MIN_RUNNING_S,
    MIN_WORDS,
    TURN_GAP_S,
    ContentKind,
    Criteria,
    FlagCode,
    GroupAnalysis,
    ParticipantTrack,
    agreement_cues,
    analyse_group,
    count_words,
    embedding_similarity,
    evidence_cues,
    is_backchannel_text,
    steering_cues,
)

CACHE = Path(__file__).resolve().parents[3] / ".cache" / "models"

TOKEN_S = 0.25  # every hanzi (or Latin/digit run), with the punctuation after it, lasts this long
_TOKEN = re.compile(r"(?:[\u4e00-\u9fff]|[A-Za-z0-9.%]+)[，。！？、：；…,.!?]*")

NAMES = {"p1": "张三", "p2": "李四", "p3": "王五", "p4": "赵六"}

# The planted session on the shared clock: (participant, start_s, text). 张三 steers, 李四 brings data, 王五 cuts
# in, 赵六 only repeats what others said. Tags: L = a line, I = a planted interruption, B = a planted backchannel.
SESSION: list[tuple[str, float, str]] = [
    ("p1", 0.00, "大家好，我们可以先用五分钟各自说说看法，然后再讨论方案。"),  # L1 0.00-6.25 steering
    ("p2", 6.85, "我认为银行应该重点发展线上渠道，因为年轻客户越来越多。"),  # L2 6.85-13.10
    ("p1", 8.85, "好的。"),  # B3 in L2
    (
        "p3",
        12.80,
        "我觉得线下网点的服务体验同样重要，很多老年客户离不开柜台。",
    ),  # L3: 0.3 s over L2's end, no interruption
    ("p4", 20.25, "我的看法是应该重点发展线上渠道，年轻客户越来越多了。"),  # L4 repeats L2
    ("p1", 26.75, "风险控制必须放在第一位，否则业务做大了反而会出问题。"),  # L5 26.75-32.75
    ("p4", 28.75, "嗯。"),  # B1 in L5
    (
        "p2",
        33.35,
        "数据显示，去年我们手机银行的活跃用户增长了30%，比如理财产品。",
    ),  # L6 33.35-40.10 evidence, cut off
    ("p3", 38.35, "等一下，线上增长快不代表线下没有价值。"),  # I1 王五 -> 李四, 38.35-42.60
    ("p1", 43.20, "我建议我们先聚焦于问题的核心，就是资源怎么分配。"),  # L7 43.20-48.70 steering
    ("p3", 47.20, "资源应该优先投给线下网点的改造。"),  # I2 王五 -> 张三
    ("p3", 52.25, "比如我们支行去年有三成的业务还是在柜台办理的。"),  # L8 52.25-57.75 evidence
    ("p1", 56.50, "但是柜台成本太高了，每年的租金和人力都在涨。"),  # I3 张三 -> 王五
    ("p4", 62.10, "我想说风险控制必须放在第一位，否则业务做大了会出问题。"),  # L9 62.10-68.35 repeats L5
    ("p2", 67.10, "对，但是风控不能成为不创新的理由。"),  # I4 李四 -> 赵六
    ("p3", 72.05, "我同意张三的观点，补充一点，线下网点的改造也要控制成本。"),  # L10 support of 张三
    ("p2", 74.05, "对。"),  # B2 in L10
    (
        "p4",
        78.90,
        "刚才李四说的应该重点发展线上渠道，年轻客户越来越多，我赞同。",
    ),  # L11 support of 李四, repeats L2
    ("p1", 86.25, "时间还剩五分钟，我来总结一下，目前大家主要有两种思路。"),  # L12 86.25-92.25 steering
    ("p3", 91.00, "我还想再说一句，网点可以改成智能柜台。"),  # I5 王五 -> 张三
    ("p1", 96.45, "我们最后形成结论：线上优先发展，同时保留核心网点，并且严格控制风险。"),  # L13 steering
]
PLANTED_INTERRUPTIONS = [  # (at_s, by, of): each 1.25-1.75 s of overlap, then the interrupted one stops
    (38.35, "p3", "p2"),
    (47.20, "p3", "p1"),
    (56.50, "p1", "p3"),
    (67.10, "p2", "p4"),
    (91.00, "p3", "p1"),
]
PLANTED_BACKCHANNELS = [(8.85, "p1", "p2"), (28.75, "p4", "p1"), (74.05, "p2", "p3")]  # (at_s, by, during)


# --- the script as word-timed transcripts -------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def line_end(start: float, text: str) -> float:
    return start + len(tokens(text)) * TOKEN_S


def transcript(
    lines: Sequence[tuple[float, str]], offset_s: float = 0.0, duration_s: float | None = None
) -> Transcript:
    """A transcript as faster-whisper's would read: one segment per line, one word per token, evenly spaced,
    times relative to the track (shared clock - offset_s)."""
    segments = []
    for i, (start, text) in enumerate(sorted(lines)):
        t0 = start - offset_s
        words = [
            Word(
                start=round(t0 + k * TOKEN_S, 3),
                end=round(t0 + (k + 1) * TOKEN_S, 3),
                word=tok,
                probability=0.9,
            )
            for k, tok in enumerate(tokens(text))
        ]
        segments.append(
            Segment(
                id=i,
                start=words[0].start,
                end=words[-1].end,
                text=text,
                avg_logprob=-0.2,
                no_speech_prob=0.01,
                compression_ratio=1.2,
                words=words,
            )
        )
    end = max((s.end for s in segments), default=0.0)
    return Transcript(
        language="zh",
        language_probability=0.99,
        duration_s=duration_s if duration_s is not None else end + 1.0,
        text="".join(s.text for s in segments),
        segments=segments,
        model=AsrModelInfo(name="scripted", device="cpu", compute_type="none"),
    )


def tracks_of(
    script: Sequence[tuple[str, float, str]],
    names: dict[str, str] | None = None,
    offsets: dict[str, float] | None = None,
    durations: dict[str, float] | None = None,
) -> list[ParticipantTrack]:
    """One track per participant; every track runs to the end of the script unless ``durations`` says otherwise."""
    names = names or NAMES
    offsets = offsets or {}
    durations = durations or {}
    session_end = max((line_end(s, t) for _, s, t in script), default=0.0) + 1.0
    out = []
    for pid, name in names.items():
        offset = offsets.get(pid, 0.0)
        lines = [(s, t) for p, s, t in script if p == pid]
        out.append(
            ParticipantTrack(
                participant_id=pid,
                name=name,
                offset_s=offset,
                transcript=transcript(lines, offset, durations.get(pid, session_end - offset)),
            )
        )
    return out


def bigram_jaccard(a: str, b: str) -> float:
    """The unit tests' stand-in for the sentence encoder: Jaccard overlap of character bigrams."""

    def grams(text: str) -> set[str]:
        core = re.sub(r"[\W_]+", "", text)
        return {core[i : i + 2] for i in range(len(core) - 1)}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga and gb else 0.0


# The thresholds for the stand-in (the module's defaults are the sentence encoder's)
JACCARD = Criteria(new_point_max_similarity=0.35, support_min_similarity=0.5)


def analyse(script: Sequence[tuple[str, float, str]], **kwargs: object) -> GroupAnalysis:
    return analyse_group(tracks_of(script, **kwargs), bigram_jaccard, JACCARD)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def session() -> GroupAnalysis:
    return analyse(SESSION)


# --- the planted session ------------------------------------------------------------------------------------


def test_talk_shares_are_within_three_points_of_the_script(session: GroupAnalysis) -> None:
    truth = {pid: sum(line_end(s, t) - s for p, s, t in SESSION if p == pid) for pid in NAMES}
    total = sum(truth.values())
    for pid, talk in truth.items():
        measured = session.participant(pid)
        assert abs(measured.talk_share - talk / total) <= 0.03, pid
        assert measured.talk_time_s == pytest.approx(talk, abs=0.01)
    assert sum(p.talk_share for p in session.participants) == pytest.approx(1.0, abs=1e-3)
    assert session.total_talk_s == pytest.approx(total, abs=0.01)


def test_exactly_the_planted_interruptions_with_their_pairs(session: GroupAnalysis) -> None:
    found = [(i.at_s, i.by, i.of) for i in session.interruptions]
    assert found == PLANTED_INTERRUPTIONS
    assert all(i.overlap_s >= MIN_OVERLAP_S for i in session.interruptions)
    assert {(p.by, p.of): p.count for p in session.interruption_pairs} == {
        ("p3", "p2"): 1,
        ("p3", "p1"): 2,
        ("p1", "p3"): 1,
        ("p2", "p4"): 1,
    }
    made = {p.participant_id: (p.interruptions_made, p.interruptions_received) for p in session.participants}
    assert made == {"p1": (1, 2), "p2": (1, 1), "p3": (3, 1), "p4": (0, 1)}


def test_an_interruption_quotes_the_interrupter_on_the_shared_clock(session: GroupAnalysis) -> None:
    first = session.interruptions[0]
    assert first.quote == "等一下，线上增长快不代表线下没有价值。"
    # 王五 starts at 38.35 while 李四 goes on to 40.10
    assert first.overlap_s == pytest.approx(1.75, abs=0.01)


def test_backchannels_are_counted_and_never_interruptions(session: GroupAnalysis) -> None:
    assert [(b.at_s, b.by, b.during) for b in session.backchannels] == PLANTED_BACKCHANNELS
    assert [b.text for b in session.backchannels] == ["好的。", "嗯。", "对。"]
    backchannel_times = {b.at_s for b in session.backchannels}
    assert not backchannel_times & {i.at_s for i in session.interruptions}
    assert {p.participant_id: p.backchannels for p in session.participants} == {
        "p1": 1,
        "p2": 1,
        "p3": 0,
        "p4": 1,
    }


def test_an_overlap_at_a_turn_end_shorter_than_the_minimum_is_no_interruption(session: GroupAnalysis) -> None:
    # L3: 王五 starts 0.3 s before 李四's L2 ends
    assert not [i for i in session.interruptions if i.at_s == 12.80]
    assert any(t.start_s == 12.80 and t.participant_id == "p3" for t in session.turns)


def test_both_support_statements_are_found_with_whom_they_support(session: GroupAnalysis) -> None:
    supports = [s for p in session.participants for s in p.supports]
    assert [(s.participant_id, s.refers_to, s.start_s) for s in supports] == [
        ("p3", "p1", 72.05),
        ("p4", "p2", 78.90),
    ]
    wang, zhao = supports
    assert wang.kind == zhao.kind == ContentKind.SUPPORT
    assert wang.quote == "我同意张三的观点，补充一点，线下网点的改造也要控制成本。"
    assert {"我同意", "补充一点", "张三"} <= set(wang.cues)
    assert zhao.quote.startswith("刚才李四说的") and "赞同" in zhao.cues
    assert zhao.end_s == pytest.approx(line_end(78.90, zhao.quote), abs=0.01)


def test_the_repeater_ranks_last_on_new_points(session: GroupAnalysis) -> None:
    zhao = session.participant("p4")
    assert zhao.new_points == []
    assert zhao.new_point_share == 0.0
    assert session.ranking[-1] == "p4"
    assert zhao.contribution_rank == 4
    # 赵六 talks more than 李四, so the ranking is not talk time
    assert zhao.talk_share > session.participant("p2").talk_share
    assert all(len(session.participant(pid).new_points) >= 2 for pid in ("p1", "p2", "p3"))


def test_new_point_shares_and_ranks_follow_the_new_points(session: GroupAnalysis) -> None:
    counts = {p.participant_id: len(p.new_points) for p in session.participants}
    total = sum(counts.values())
    for p in session.participants:
        assert p.new_point_share == pytest.approx(counts[p.participant_id] / total, abs=1e-4)
    assert session.ranking[0] == max(counts, key=lambda pid: counts[pid])
    assert [session.participant(pid).contribution_rank for pid in session.ranking] == [1, 2, 3, 4]


def test_steering_is_no_new_point(session: GroupAnalysis) -> None:
    steering = {s.start_s for s in session.participant("p1").steering}
    assert steering.isdisjoint({n.start_s for n in session.participant("p1").new_points})


def test_evidence_is_found_with_quotes_and_times(session: GroupAnalysis) -> None:
    evidence = [(e.participant_id, e.start_s, e.quote) for p in session.participants for e in p.evidence]
    assert evidence == [
        ("p2", 33.35, "数据显示，去年我们手机银行的活跃用户增长了30%，比如理财产品。"),
        ("p3", 52.25, "比如我们支行去年有三成的业务还是在柜台办理的。"),
    ]
    li = session.participant("p2").evidence[0]
    assert {"数据显示", "去年", "比如", "30%"} <= set(li.cues)
    assert li.end_s == pytest.approx(line_end(33.35, li.quote), abs=0.01)
    assert "三成" in session.participant("p3").evidence[0].cues


def test_steering_is_found_with_quotes_and_times(session: GroupAnalysis) -> None:
    steering = [(s.participant_id, s.start_s) for p in session.participants for s in p.steering]
    assert steering == [("p1", 0.0), ("p1", 43.2), ("p1", 86.25), ("p1", 96.45)]
    summary = session.participant("p1").steering[2]
    assert summary.quote == "时间还剩五分钟，我来总结一下，目前大家主要有两种思路。"
    assert {"时间还剩", "我来总结"} <= set(summary.cues)


def test_turns_and_mean_turn_length(session: GroupAnalysis) -> None:
    zhang = session.participant("p1")
    zhang_lines = [(s, t) for p, s, t in SESSION if p == "p1" and t != "好的。"]
    assert zhang.turns == len(zhang_lines)  # every line is its own turn; the backchannel is not a turn
    mean = sum(line_end(s, t) - s for s, t in zhang_lines) / len(zhang_lines)
    assert zhang.mean_turn_s == pytest.approx(mean, abs=0.01)
    assert session.turns == sorted(session.turns, key=lambda t: (t.start_s, t.participant_id))
    assert sum(1 for t in session.turns if t.backchannel) == 3


def test_a_clean_session_has_no_flags(session: GroupAnalysis) -> None:
    assert session.flags == []
    assert session.criteria == JACCARD
    assert (session.start_s, session.end_s) == (0.0, pytest.approx(104.95))


# --- timing and interruption rules, one at a time ------------------------------------------------------------

SPEECH = "我们应该先把客户的需求都调查清楚再做决定。"  # 20 hanzi
SPEECH_S = line_end(0.0, SPEECH)  # 5.0 s


def test_offsets_put_a_late_track_on_the_shared_clock() -> None:
    # 李四's track starts at 30 s on the shared clock: track time 2.0 is 32.0 s
    script = [("p1", 31.0, SPEECH), ("p2", 32.0, "去年的数据显示有两成客户流失了。")]
    result = analyse(
        script, names={"p1": "张三", "p2": "李四"}, offsets={"p2": 30.0}, durations={"p1": 40.0, "p2": 40.0}
    )
    li = result.participant("p2")
    assert [(i.at_s, i.by, i.of) for i in result.interruptions] == [(32.0, "p2", "p1")]
    assert li.evidence[0].start_s == 32.0
    assert result.turns[1].start_s == 32.0
    track = tracks_of(script, names={"p1": "张三", "p2": "李四"}, offsets={"p2": 30.0})[1]
    assert track.transcript.segments[0].words[0].start == 2.0  # relative to the track
    assert result.flags == []


def test_a_silent_participant_is_flagged_and_ranked_last() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, "我觉得线上渠道的投入应该再加大一些。")]
    result = analyse(script, names={"p1": "张三", "p2": "李四", "p3": "王五"})
    wang = result.participant("p3")
    assert (wang.talk_time_s, wang.talk_share, wang.turns, wang.mean_turn_s) == (0.0, 0.0, 0, 0.0)
    assert result.ranking[-1] == "p3"
    assert [(f.code, f.participant_ids) for f in result.flags] == [(FlagCode.NO_SPEECH, ["p3"])]


def test_very_different_track_lengths_are_flagged() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, SPEECH)]
    result = analyse(script, names={"p1": "张三", "p2": "李四"}, durations={"p1": 600.0, "p2": 120.0})
    flags = result.flagged(FlagCode.TRACK_LENGTH_MISMATCH)
    assert [f.participant_ids for f in flags] == [["p2"]]
    assert "120.0 s" in flags[0].detail
    assert result.participant("p2").talk_time_s == pytest.approx(SPEECH_S)  # the rest is still measured


def test_two_lines_of_one_speaker_merge_across_a_short_gap() -> None:
    short_gap = SPEECH_S + TURN_GAP_S - 0.4
    merged = analyse([("p1", 0.0, SPEECH), ("p1", short_gap, SPEECH)], names={"p1": "张三"})
    assert merged.participant("p1").turns == 1
    assert merged.participant("p1").mean_turn_s == pytest.approx(short_gap + SPEECH_S)
    assert merged.participant("p1").talk_time_s == pytest.approx(10.0)  # the pause is not talk
    split = analyse([("p1", 0.0, SPEECH), ("p1", SPEECH_S + TURN_GAP_S + 0.2, SPEECH)], names={"p1": "张三"})
    assert split.participant("p1").turns == 2
    assert split.participant("p1").mean_turn_s == pytest.approx(SPEECH_S)


@pytest.mark.parametrize(
    ("start", "text", "why"),
    [
        (2.0, "等一下。", "too few words"),  # 3 hanzi = 2 words < MIN_WORDS
        (SPEECH_S, "我不太同意这个看法。", "starts when the other has finished"),
        (SPEECH_S - MIN_OVERLAP_S + 0.1, "我不太同意这个看法。", "overlap shorter than the minimum"),
        (MIN_RUNNING_S - 0.5, "我不太同意这个看法。", "the other had only just started"),
        (2.0, "对对对，没错没错，是的是的。", "only feedback tokens, however long"),
    ],
)
def test_what_is_not_an_interruption(start: float, text: str, why: str) -> None:
    result = analyse([("p1", 0.0, SPEECH), ("p2", start, text)], names={"p1": "张三", "p2": "李四"})
    assert result.interruptions == [], why


@pytest.mark.parametrize(
    ("start", "boundary"),
    [
        (MIN_RUNNING_S, "the other has spoken exactly MIN_RUNNING_S"),
        (SPEECH_S - MIN_OVERLAP_S, "they overlap exactly MIN_OVERLAP_S"),
    ],
)
def test_an_interruption_at_the_boundaries_of_the_criteria(start: float, boundary: str) -> None:
    text = "我不同意啊。"  # 5 hanzi: the fewest that make MIN_WORDS words
    assert count_words(text) >= MIN_WORDS > count_words("我不同意")
    result = analyse([("p1", 0.0, SPEECH), ("p2", start, text)], names={"p1": "张三", "p2": "李四"})
    [interruption] = result.interruptions
    assert (interruption.by, interruption.of, interruption.at_s) == ("p2", "p1", start), boundary
    assert interruption.overlap_s >= MIN_OVERLAP_S


def test_overlap_counts_only_speech_at_the_same_time() -> None:
    # 张三 pauses 0.9 s inside one turn (5.0-5.9); 李四 speaks 4.9-6.15, mostly in that pause: B's turn goes on
    # long after 李四 starts, but they speak at once for only 0.1 s + 0.25 s
    script = [("p1", 0.0, SPEECH), ("p1", 5.9, SPEECH), ("p2", 4.9, "我插一句话。")]
    result = analyse(script, names={"p1": "张三", "p2": "李四"})
    assert result.participant("p1").turns == 1
    assert count_words("我插一句话。") >= MIN_WORDS
    assert result.interruptions == []


def test_a_backchannel_longer_than_the_maximum_is_a_turn() -> None:
    long_feedback = "嗯" * (int(BACKCHANNEL_MAX_S / TOKEN_S) + 2)
    result = analyse([("p1", 0.0, SPEECH), ("p2", 1.5, long_feedback)], names={"p1": "张三", "p2": "李四"})
    assert result.backchannels == []
    assert result.participant("p2").turns == 1
    assert result.interruptions == []  # feedback tokens only: never an interruption


# --- content rules ------------------------------------------------------------------------------------------


def test_disagreement_is_no_support() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, "我不同意张三的观点，调查太慢了。")]
    result = analyse(script, names={"p1": "张三", "p2": "李四"})
    assert result.participant("p2").supports == []


def test_the_support_goes_to_the_one_agreed_with_not_the_first_named() -> None:
    script = [
        ("p1", 0.0, SPEECH),
        ("p2", 6.0, SPEECH),
        ("p3", 12.0, "我不同意张三的看法，但是我赞同李四说的。"),
    ]
    result = analyse(script, names={"p1": "张三", "p2": "李四", "p3": "王五"})
    assert [(s.refers_to, s.cues) for s in result.participant("p3").supports] == [("p2", ["赞同", "李四"])]


def test_agreement_without_a_reference_is_no_support() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, "我补充一点，产品的定价也要考虑。")]
    assert analyse(script, names={"p1": "张三", "p2": "李四"}).participant("p2").supports == []


def test_a_pointer_supports_the_latest_other_speaker() -> None:
    script = [
        ("p1", 0.0, SPEECH),
        ("p3", 6.0, "线上渠道的获客成本更低。"),
        ("p2", 10.0, "你说的有道理，我们可以算一下成本。"),
    ]
    result = analyse(script, names={"p1": "张三", "p2": "李四", "p3": "王五"})
    [support] = result.participant("p2").supports
    assert support.refers_to == "p3"
    assert {"说的有道理", "你说的"} <= set(support.cues)


def test_agreement_with_a_close_paraphrase_of_a_recent_point_is_support() -> None:
    script = [
        ("p1", 0.0, "我们应该先把客户需求调查清楚。"),
        ("p2", 6.0, "我也觉得应该先把客户需求调查清楚。"),
    ]
    [support] = analyse(script, names={"p1": "张三", "p2": "李四"}).participant("p2").supports
    assert support.refers_to == "p1"
    assert support.similarity is not None and support.similarity >= JACCARD.support_min_similarity


def test_a_name_given_by_its_given_name_is_recognised() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, "我赞同小明的意见，调查很必要。")]
    result = analyse(script, names={"p1": "李小明", "p2": "王芳"})
    assert [s.refers_to for s in result.participant("p2").supports] == ["p1"]


def test_an_alias_and_an_english_first_name_are_recognised() -> None:
    tracks = tracks_of(
        [
            ("p1", 0.0, SPEECH),
            ("p2", 6.0, SPEECH),
            ("p3", 12.0, "我同意小张的说法。"),
            ("p3", 20.0, "I agree with Tom."),
        ],
        names={"p1": "张伟", "p2": "Tom Baker", "p3": "王五"},
    )
    tracks[0].aliases = ["小张"]
    result = analyse_group(tracks, bigram_jaccard, JACCARD)
    assert [s.refers_to for s in result.participant("p3").supports] == ["p1", "p2"]


def test_repeating_yourself_is_no_new_point() -> None:
    point = "我们应该先把客户的需求调查清楚。"
    result = analyse([("p1", 0.0, point), ("p1", 10.0, point)], names={"p1": "张三"})
    assert [n.start_s for n in result.participant("p1").new_points] == [0.0]


def test_the_cue_rules() -> None:
    assert evidence_cues("还剩5分钟，还剩五分钟") == []  # time-keeping is not data
    assert evidence_cues("第一，我们有两倍的增长") == ["两倍"]  # an ordinal is not a number
    assert set(evidence_cues("For example, sales grew 12% last year.")) == {"For example", "12%", "last year"}
    assert steering_cues("Let's first agree on the criteria, we have 5 minutes left.") == [
        "Let's first",
        "we have 5 minutes",
    ]
    assert agreement_cues("I disagree with Tom") == [] and agreement_cues("I agree with Tom") == ["I agree"]
    assert (
        is_backchannel_text("对对对，")
        and is_backchannel_text("OK, mm-hmm.")
        and is_backchannel_text("好的好的")
    )
    assert not is_backchannel_text("好像不对") and not is_backchannel_text("")
    assert count_words("我觉得不对") == pytest.approx(5 / 1.5) and count_words("I think that is wrong") == 5


# --- input problems -----------------------------------------------------------------------------------------


def test_nonsense_offsets_are_flagged_and_the_rest_is_measured() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, SPEECH), ("p3", 5000.0, SPEECH)]
    result = analyse(
        script,
        names={"p1": "张三", "p2": "李四", "p3": "王五"},
        offsets={"p2": -3.0, "p3": 4990.0},
        durations={"p1": 20.0, "p2": 20.0, "p3": 20.0},
    )
    codes = {(f.code, tuple(f.participant_ids)) for f in result.flags}
    assert (FlagCode.NEGATIVE_OFFSET, ("p2",)) in codes
    assert (FlagCode.TRACK_OUTSIDE_SESSION, ("p3",)) in codes
    assert result.participant("p1").talk_time_s == pytest.approx(SPEECH_S)


def test_two_overlapping_tracks_of_one_participant_are_flagged_and_merged() -> None:
    first = ParticipantTrack(participant_id="p1", name="张三", transcript=transcript([(0.0, SPEECH)]))
    second = ParticipantTrack(
        participant_id="p1", name="张三", offset_s=3.0, transcript=transcript([(10.0, SPEECH)], offset_s=3.0)
    )
    result = analyse_group([first, second], bigram_jaccard, JACCARD)
    assert [f.code for f in result.flags] == [FlagCode.OVERLAPPING_TRACKS]
    assert result.participant("p1").talk_time_s == pytest.approx(10.0)


def test_one_voice_on_two_microphones_is_flagged() -> None:
    long_speech = SPEECH * 3  # 15 s
    script = [("p1", 0.0, long_speech), ("p2", 0.0, long_speech)]
    result = analyse(script, names={"p1": "张三", "p2": "李四"})
    [flag] = result.flagged(FlagCode.EXCESSIVE_OVERLAP)
    assert flag.participant_ids == ["p1", "p2"]


def test_a_shared_name_is_flagged_and_refers_to_nobody() -> None:
    script = [("p1", 0.0, SPEECH), ("p2", 6.0, SPEECH), ("p3", 12.0, "我同意张伟的观点，调查很必要。")]
    result = analyse(script, names={"p1": "张伟", "p2": "张伟", "p3": "王五"})
    assert [f.participant_ids for f in result.flagged(FlagCode.DUPLICATE_NAME)] == [["p1", "p2"]]
    assert result.participant("p3").supports == []


def test_segments_without_word_timings_stand_in_as_one_word() -> None:
    track = ParticipantTrack(participant_id="p1", name="张三", transcript=transcript([(0.0, SPEECH)]))
    track.transcript.segments[0].words = []
    result = analyse_group([track], bigram_jaccard, JACCARD)
    assert [f.code for f in result.flags] == [FlagCode.NO_WORD_TIMINGS]
    assert result.participant("p1").talk_time_s == pytest.approx(SPEECH_S)


def test_no_tracks_is_a_flag_not_an_error() -> None:
    result = analyse_group([], bigram_jaccard)
    assert [f.code for f in result.flags] == [FlagCode.NO_TRACKS]
    assert result.participants == [] and result.total_talk_s == 0.0


# --- similarity -----------------------------------------------------------------------------------------------


def test_embedding_similarity_encodes_each_text_once() -> None:
    import numpy as np

    calls: list[str] = []

    def encode(texts: Sequence[str]) -> np.ndarray:
        calls.extend(texts)
        return np.asarray([[1.0, 0.0] if "线上" in t else [0.0, 1.0] for t in texts])

    similarity = embedding_similarity(encode)
    assert similarity("线上渠道", "线上获客") == pytest.approx(1.0)
    assert similarity("线上渠道", "柜台服务") == pytest.approx(0.0)
    assert sorted(calls) == sorted(["线上渠道", "线上获客", "柜台服务"])


@pytest.mark.slow
def test_the_planted_session_with_the_real_sentence_encoder() -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxruntime_extensions")
    from jiping.domain.errors import ModelAssetError
    from jiping.scoring.encoder import load_encoder

    try:
        encoder = load_encoder(cache_dir=CACHE, allow_fetch=False)
    except ModelAssetError as exc:
        pytest.skip(f"the sentence encoder is not in the local cache ({exc})")
    result = analyse_group(tracks_of(SESSION), embedding_similarity(encoder.encode))  # the default criteria
    assert [(i.at_s, i.by, i.of) for i in result.interruptions] == PLANTED_INTERRUPTIONS
    supports = [(s.participant_id, s.refers_to) for p in result.participants for s in p.supports]
    assert supports == [("p3", "p1"), ("p4", "p2")]
    assert result.participant("p4").new_points == []
    assert result.ranking[-1] == "p4"
    assert all(len(result.participant(pid).new_points) >= 2 for pid in ("p1", "p2", "p3"))
