"""The review codes of a result (``ReviewFlag.code``, scoring-v2) in a few words, for people.

One table for every place that names them briefly: the WeCom card (``jiping.delivery.wecom``) and the HR
workspace's report (``jiping.portal.report_view``, which says them in whole sentences with their numbers).
The codes themselves are stable strings, stored and sent to the EHR; a code missing here is shown as is.
"""

from __future__ import annotations

REVIEW_LABELS_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "zh": {
        "KEYWORD_LIST": "关键词堆砌",
        "NO_NARRATIVE": "未讲述亲身经历",
        "ECHOED_QUESTION": "复述问题",
        "REUSED_ANSWER": "多题回答雷同",
        "LANGUAGE_MISMATCH": "作答语言与岗位不符",
        "SCORER_INSTRUCTION": "含针对评分的指令",
        "NUMBERS_WITHOUT_STORY": "只有数字没有经过",
        "JUDGE_DISAGREEMENT": "评估结论不一致",
        "EMPTY_ANSWER": "未作答",
        "SHORT_ANSWER": "回答过短",
        "NO_ANSWER": "有题目未作答",
        "LOW_ASR_CONFIDENCE": "语音识别不确定",
        "NO_FACE": "画面中无人脸",
        "MULTIPLE_FACES": "画面中多人",
        "LOOKING_AWAY": "长时间未看镜头",
    },
    "en": {
        "KEYWORD_LIST": "keyword list",
        "NO_NARRATIVE": "no own experience told",
        "ECHOED_QUESTION": "question echoed",
        "REUSED_ANSWER": "same answer to several questions",
        "LANGUAGE_MISMATCH": "answered in another language",
        "SCORER_INSTRUCTION": "instructions aimed at the scoring",
        "NUMBERS_WITHOUT_STORY": "numbers without the story",
        "JUDGE_DISAGREEMENT": "the evaluation disagrees with itself",
        "EMPTY_ANSWER": "empty answer",
        "SHORT_ANSWER": "short answer",
        "NO_ANSWER": "a question not answered",
        "LOW_ASR_CONFIDENCE": "uncertain transcript",
        "NO_FACE": "no face in view",
        "MULTIPLE_FACES": "several faces in view",
        "LOOKING_AWAY": "looking away for long",
    },
}
REVIEW_LABELS = REVIEW_LABELS_BY_LANGUAGE["zh"]
"""The Chinese labels (the WeCom card's)."""
