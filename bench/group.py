"""Group discussion at length: ``python -m bench.group`` (6 participants, about 20 minutes by default).

The session is composed from the committed synthesized discussion (``events/media/group``: four tracks of
177 s on one clock): round after round, four of the six participants take the four roles (rotating), the
other two are silent, until the length is reached. Each participant's track is the whole session (16 kHz
mono WAV), as a meeting tool's per-participant recording is. Then the work of a group evaluation, timed:

1. each track transcribed by the project's own path (``jiping.perception.transcription``, whisper base on the
   CPU, from the local model cache, never fetched), one track after another, as the worker pool would;
2. the group analysis (``jiping.group.analysis.analyse_group``) with the real sentence encoder.

Reported: the seconds of each step, their sum relative to the tracks' total duration (the real-time factor
of the group stage on this machine) and the session's length; written to ``bench/results/group.txt``.
What this is not: real voices (one synthetic voice family), and no upload, probe or judge time.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np
from jiping.group.analysis import ParticipantTrack, analyse_group, embedding_similarity
from jiping.perception.transcription import load_model, transcribe
from jiping.settings import TranscribeSettings

REPO = Path(__file__).resolve().parents[1]
GROUP = REPO / "events" / "media" / "group"
CACHE = REPO / ".cache" / "models"
RESULTS = REPO / "bench" / "results"
RATE = 16_000
NAMES = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十"]


def _audio(path: Path) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks)


def compose(participants: int, minutes: float, out: Path) -> list[tuple[str, str, Path]]:
    """The session's tracks: (participant id, name, WAV path)."""
    truth = json.loads((GROUP / "truth.json").read_text(encoding="utf-8"))
    roles = [_audio(GROUP / t["file"]) for t in truth["tracks"].values()]
    length = max(len(r) for r in roles)
    roles = [np.pad(r, (0, length - len(r))) for r in roles]
    rounds = max(1, round(minutes * 60 * RATE / length))
    tracks: list[list[np.ndarray]] = [[] for _ in range(participants)]
    silence = np.zeros(length, dtype=np.int16)
    for k in range(rounds):
        speaking = [(k + i) % participants for i in range(len(roles))]  # four of them, rotating
        for p in range(participants):
            tracks[p].append(roles[speaking.index(p)] if p in speaking else silence)
    made = []
    for p in range(participants):
        path = out / f"p{p + 1}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(np.concatenate(tracks[p]).astype(np.int16).tobytes())
        made.append((f"p{p + 1}", NAMES[p], path))
    return made


def _frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=20.0)
    args = parser.parse_args()
    from jiping.scoring.encoder import load_encoder

    settings = TranscribeSettings(whisper_model="base", model_cache_dir=str(CACHE), model_fetch=False)
    loaded = load_model(settings)
    encoder = load_encoder(cache_dir=CACHE, allow_fetch=False)
    with tempfile.TemporaryDirectory() as tmp:
        made = compose(args.participants, args.minutes, Path(tmp))
        session_s = max(_frames(p) for _, _, p in made) / RATE
        total_s = session_s * len(made)
        started = time.perf_counter()
        tracks = [
            ParticipantTrack(
                participant_id=pid, name=name, transcript=transcribe(path, loaded, settings, language="zh")
            )
            for pid, name, path in made
        ]
        asr_s = time.perf_counter() - started
        started = time.perf_counter()
        analysis = analyse_group(tracks, embedding_similarity(encoder.encode))
        analysis_s = time.perf_counter() - started
    shares = ", ".join(f"{p.participant_id} {p.talk_share:.1%}" for p in analysis.participants)
    lines = [
        f"group discussion: {len(made)} participants, session {session_s / 60:.1f} min, tracks {total_s / 60:.1f} min in all",
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}",
        f"transcription (whisper base, cpu, one track after another): {asr_s:.1f} s = {asr_s / total_s:.3f} x the tracks' duration",
        f"group analysis (encoder included): {analysis_s:.1f} s",
        f"the group stage in all: {asr_s + analysis_s:.1f} s = {(asr_s + analysis_s) / total_s:.3f} x the tracks' duration, "
        f"{(asr_s + analysis_s) / session_s:.2f} x the session's",
        f"turns {len(analysis.turns)}, interruptions {len(analysis.interruptions)}, shares: {shares}",
        f"flags: {[f.code.value for f in analysis.flags] or 'none'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "group.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
