"""Media probing with PyAV: decide early, with a reason code, whether an upload can be evaluated.

The probe reads the container by content, never by file name or extension, and decodes the whole
audio stream (cheap: well under a second for fifteen minutes of AAC) so that an upload whose audio
cannot be decoded is rejected here rather than failing later in transcription.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.error
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream

from jiping.domain.models import AudioStreamInfo, ProbeResult, ReasonCode, VideoStreamInfo
from jiping.settings import ProbeSettings

# Share of the declared audio duration that must decode for the audio to count as usable.
MIN_DECODED_SHARE = 0.5


def _reject(code: ReasonCode, detail: str, size: int, **known: object) -> ProbeResult:
    return ProbeResult(accepted=False, reason_code=code, detail=detail, size_bytes=size, **known)  # type: ignore[arg-type]


def _duration_seconds(container: av.container.InputContainer, stream: AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return _demuxed_seconds(container, stream)


def _demuxed_seconds(container: av.container.InputContainer, stream: AudioStream) -> float | None:
    """The end of the last audio packet, read without decoding: what a recording that declares no duration
    (a browser's MediaRecorder WebM, written as it streams) lasts."""
    if stream.time_base is None:
        return None
    end = 0
    for packet in container.demux(stream):
        if packet.pts is not None:
            end = max(end, packet.pts + (packet.duration or 0))
    return float(end * stream.time_base) or None


def _video_info(container: av.container.InputContainer) -> VideoStreamInfo | None:
    if not container.streams.video:
        return None
    v = container.streams.video[0]
    rate = v.average_rate or v.guessed_rate
    return VideoStreamInfo(
        codec=v.codec_context.name,
        width=v.codec_context.width,
        height=v.codec_context.height,
        fps=float(rate) if rate else None,
    )


def _decoded_audio_seconds(path: Path) -> tuple[float, int]:
    """Decode the first audio stream (video packets are demuxed, never decoded).

    Returns the seconds decoded and the number of packets that failed to decode.
    """
    samples = 0
    failed = 0
    rate = 0
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.audio[0]
        stream.codec_context.thread_type = "AUTO"
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            try:
                for frame in packet.decode():
                    if isinstance(frame, AudioFrame):
                        samples += frame.samples
                        rate = frame.sample_rate or rate
            except av.error.FFmpegError:
                failed += 1
        try:  # flush the decoder
            for tail in stream.codec_context.decode(None):
                if isinstance(tail, AudioFrame):
                    samples += tail.samples
        except av.error.FFmpegError:
            failed += 1
    return (samples / rate if rate else 0.0), failed


def probe(path: Path, size_bytes: int, settings: ProbeSettings) -> ProbeResult:
    """Probe a local media file. Never raises for bad media: a rejection is a result."""
    if size_bytes > settings.max_media_bytes:
        return _reject(
            ReasonCode.TOO_LARGE,
            f"{size_bytes} bytes exceeds the maximum of {settings.max_media_bytes}",
            size_bytes,
        )
    if size_bytes == 0:
        return _reject(ReasonCode.NOT_MEDIA, "the object is empty", size_bytes)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        return _reject(
            ReasonCode.NOT_MEDIA, f"not a media container PyAV can open ({type(exc).__name__})", size_bytes
        )
    with container:
        fmt = container.format.name
        video = _video_info(container)
        if not container.streams.audio:
            return _reject(
                ReasonCode.NO_AUDIO_STREAM,
                "the container has no audio stream",
                size_bytes,
                container=fmt,
                video=video,
            )
        stream = container.streams.audio[0]
        duration = _duration_seconds(container, stream)
        audio = AudioStreamInfo(
            codec=stream.codec_context.name,
            sample_rate=stream.codec_context.sample_rate or None,
            channels=stream.codec_context.channels or None,
            duration_s=duration,
        )
    known = {"container": fmt, "video": video, "audio": audio, "duration_s": duration}
    if duration is None or duration <= 0:
        return _reject(ReasonCode.ZERO_DURATION, "the duration is zero or unknown", size_bytes, **known)
    if video is not None and video.width * video.height > settings.max_video_pixels:
        return _reject(
            ReasonCode.RESOLUTION_TOO_HIGH,
            f"{video.width}x{video.height} video exceeds {settings.max_video_pixels} pixels per frame",
            size_bytes,
            **known,
        )
    if duration > settings.max_media_seconds:
        return _reject(
            ReasonCode.TOO_LONG,
            f"{duration:.1f} s exceeds the maximum of {settings.max_media_seconds:.0f} s",
            size_bytes,
            **known,
        )
    try:
        decoded, failed = _decoded_audio_seconds(path)
    except av.error.FFmpegError as exc:
        return _reject(
            ReasonCode.UNDECODABLE_AUDIO, f"the audio stream fails to decode ({exc})", size_bytes, **known
        )
    audio.decoded_seconds_checked = round(decoded, 3)
    if decoded <= 0:
        return _reject(ReasonCode.UNDECODABLE_AUDIO, "no audio sample decodes", size_bytes, **known)
    if decoded < MIN_DECODED_SHARE * duration:
        return _reject(
            ReasonCode.UNDECODABLE_AUDIO,
            f"only {decoded:.1f} s of {duration:.1f} s of audio decode ({failed} packets failed)",
            size_bytes,
            **known,
        )
    route = "pool" if duration > settings.short_clip_max_seconds else "lambda"
    return ProbeResult(accepted=True, route=route, size_bytes=size_bytes, **known)  # type: ignore[arg-type]
