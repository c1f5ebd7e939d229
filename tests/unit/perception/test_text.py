"""Text utilities: Simplified script, jieba segmentation, filler words in context."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jiping.perception.text import BREAK, count_fillers, hanzi_count, segment, simplified

REPO = Path(__file__).resolve().parents[3]


def test_jieba_cuts_chinese_into_words():
    assert segment("我们在上海工作", "zh") == ["我们", "在", "上海", "工作"]


def test_traditional_input_comes_out_simplified():
    assert simplified("後來這個客戶很滿意") == "后来这个客户很满意"
    tokens = segment("這個客戶很滿意", "zh")
    assert "客户" in tokens and "客戶" not in tokens
    assert "".join(tokens) == "这个客户很满意"


def test_punctuation_is_dropped_or_becomes_single_breaks():
    assert segment("我们，在上海。", "zh") == ["我们", "在", "上海"]
    assert segment("我们，在上海。", "zh", breaks=True) == ["我们", BREAK, "在", "上海"]
    assert segment("Well... I don't know, it's well-known!", "en", breaks=True) == [
        "Well",
        BREAK,
        "I",
        "don't",
        "know",
        BREAK,
        "it's",
        "well-known",
    ]


def test_hanzi_count_ignores_punctuation_and_latin():
    assert hanzi_count("我用Python，做了3个项目。") == 7  # 我用做了个项目


def test_chinese_hesitation_sounds_always_count():
    tokens = segment("嗯，我先听他说完，呃，再查记录。", "zh", breaks=True)
    assert count_fillers(tokens, "zh") == {"嗯": 1, "呃": 1}


def test_demonstrative_nage_and_connective_ranhou_are_not_fillers():
    tokens = segment("那个客户很生气，然后我查了物流记录。", "zh", breaks=True)
    assert count_fillers(tokens, "zh") == {}


def test_nage_standing_alone_between_breaks_is_a_filler():
    tokens = segment("我们，那个，先处理了订单，然后，就是，补发了。", "zh", breaks=True)
    assert count_fillers(tokens, "zh") == {"那个": 1, "就是": 1, "然后": 1}


def test_repeated_nage_counts_its_repetitions():
    # 那个那个客户: one repetition; the second 那个 is the demonstrative.
    assert count_fillers(["那个", "那个", "客户"], "zh") == {"那个": 1}


def test_e_inside_a_word_is_not_a_filler():
    assert count_fillers(segment("金额很大，还有额外的费用。", "zh", breaks=True), "zh") == {}


def test_english_fillers_and_like_only_as_a_filler():
    tokens = segment(
        "Um, I was, like, really tired, you know. Uh I like it. Do you know him?", "en", breaks=True
    )
    assert count_fillers(tokens, "en") == {"um": 1, "uh": 1, "like": 1, "you know": 1}


def test_like_after_a_filler_and_repeated_counts():
    assert count_fillers(["umm", "like", BREAK, "we", "like", "like", "it"], "en") == {"um": 1, "like": 2}


def test_language_without_a_filler_list_counts_nothing():
    assert count_fillers(["euh", "alors"], "fr") == {}


def test_jieba_is_quiet_and_caches_under_the_temp_dir(tmp_path):
    # A fresh process: jieba initialises there, so its log lines would appear if not silenced.
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO / "layers")}
    code = "from jiping.perception.text import segment; assert segment('我们在上海工作', 'zh') == ['我们', '在', '上海', '工作']"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert (tmp_path / "jiping-jieba" / "jieba.cache").is_file()
