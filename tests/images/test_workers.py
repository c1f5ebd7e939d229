"""The worker images (Fargate, ECS on GPU instances): each runs its entrypoint's one-shot mode
(``python /app/entrypoint.py --request JSON``) on a sample clip in S3 and writes a valid result there."""

from __future__ import annotations

import json

import pytest
from jiping import model_assets
from jiping.domain.models import Transcript, TranscriptionSummary
from jiping.perception.vision import VisionTrack

from tests.images.conftest import require_image
from tests.images.support import container

WHISPER_BASE_SHA256 = next(
    f.sha256 for f in model_assets.ASSETS["whisper-base"].files if f.name == "model.bin"
)


def _summary(stdout: str) -> dict:
    """The entrypoint prints its summary as the last JSON line on stdout (logs are JSON lines too)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and "level" not in doc:
            return doc
    raise AssertionError(f"no summary on stdout:\n{stdout[-2000:]}")


def _transcribe(image: str, aws_env, s3, media_bucket, key: str, extra_env: dict[str, str] | None = None):
    request = {
        "source": {"bucket": media_bucket, "key": "q2_en.mp4"},
        "output": {"bucket": "artifacts", "key": key},
    }
    with container(image) as ctr:
        proc = ctr.run(
            ["python", "/app/entrypoint.py", "--request", json.dumps(request)],
            {**aws_env, **(extra_env or {})},
        )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    summary = TranscriptionSummary.model_validate(_summary(proc.stdout))
    transcript = Transcript.model_validate_json(s3.get_object(Bucket="artifacts", Key=key)["Body"].read())
    return summary, transcript


def test_asr_cpu_transcribes_the_english_sample_with_the_baked_base_model(aws_env, s3, media_bucket):
    require_image("asr-cpu")
    summary, transcript = _transcribe("asr-cpu", aws_env, s3, media_bucket, "asr-cpu/transcript.json")

    assert transcript.language == "en" and transcript.segments
    assert len(transcript.text.split()) >= 5
    assert "base" in transcript.model.name and (transcript.model.device, transcript.model.compute_type) == (
        "cpu",
        "int8",
    )
    assert transcript.model.sha256 == WHISPER_BASE_SHA256  # the model baked from its pinned carrier
    assert summary.segments == len(transcript.segments)


def test_asr_gpu_image_runs_on_the_cpu_here_and_its_cuda_libraries_resolve(aws_env, s3, media_bucket):
    require_image("asr-gpu")
    # No GPU on this machine: ctranslate2's CUDA-enabled wheel reports 0 devices (no driver) without failing, and
    # cuBLAS, all it loads on a GPU, is on the image's library path and loadable.
    probe = (
        "import ctypes, glob, os, ctranslate2\n"
        "print('cuda_devices', ctranslate2.get_cuda_device_count())\n"
        "libs = [p for d in os.environ['LD_LIBRARY_PATH'].split(':') for p in sorted(glob.glob(d + '/lib*.so.*'))]\n"
        "for p in libs: ctypes.CDLL(p)\n"
        "print('loaded', ' '.join(os.path.basename(p) for p in libs))\n"
        "ctypes.CDLL('libcublas.so.12')\n"
        "print('cublas ok')\n"
    )
    with container("asr-gpu") as ctr:
        assert ctr.config["Env"] and any(e.startswith("WHISPER_DEVICE=cuda") for e in ctr.config["Env"])
        proc = ctr.run(["python", "-c", probe], aws_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "cuda_devices 0" in proc.stdout
    assert (
        "libcublasLt.so.12" in proc.stdout and "libcublas.so.12" in proc.stdout and "cublas ok" in proc.stdout
    )

    cpu = {"WHISPER_DEVICE": "cpu", "WHISPER_COMPUTE_TYPE": "int8"}
    _, transcript = _transcribe("asr-gpu", aws_env, s3, media_bucket, "asr-gpu/transcript.json", cpu)
    assert transcript.language == "en" and len(transcript.text.split()) >= 5
    assert (
        transcript.model.sha256 == WHISPER_BASE_SHA256
    )  # make images bakes the carried base model (no hub here)


def test_the_vision_worker_measures_the_frames_of_the_sample(aws_env, s3, media_bucket):
    require_image("vision")
    request = {
        "source": {"bucket": media_bucket, "key": "q2_en.mp4"},
        "output": {"bucket": "artifacts", "key": "vision/track.json"},
    }
    with container("vision") as ctr:
        proc = ctr.run(["python", "/app/entrypoint.py", "--request", json.dumps(request)], aws_env)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    summary = _summary(proc.stdout)
    track = VisionTrack.model_validate_json(
        s3.get_object(Bucket="artifacts", Key="vision/track.json")["Body"].read()
    )

    assert track.frames_sampled > 0 and len(track.frames) == track.frames_sampled
    assert any(f.faces >= 1 for f in track.frames)  # the sample shows a face
    assert track.face_model_sha256 and summary["frames_sampled"] == track.frames_sampled


@pytest.mark.parametrize("model", ["large-v3"])
def test_bake_refuses_a_hub_model_that_has_no_pinned_hashes(model):
    require_image("asr-gpu")
    with container("asr-gpu") as ctr:
        proc = ctr.run(["python", "/opt/bake/bake_model.py", model, "/tmp/models"], {})  # noqa: S108 - inside the container
    assert proc.returncode != 0 and "refusing to bake" in proc.stderr
