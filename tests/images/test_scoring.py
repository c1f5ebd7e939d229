"""The scoring Lambda image: its baked judge model and sentence encoder load and judge in the image, and its
real ENTRYPOINT/CMD (awslambdaric, entrypoint.handler) serves an invocation through the Runtime API.

Not covered here: a whole ScoreInterview (it needs the interview, profile and analysis records the workflow
writes; tests/e2e scores with the same code and model outside the image)."""

from __future__ import annotations

import json

from tests.images.conftest import require_image
from tests.images.support import container, invoke

PROBE = """
import json, os
from pathlib import Path
from jiping.scoring.judge.llm import load_judge_model, pinned_sha256
from jiping.scoring.encoder import load_encoder
judge = load_judge_model(Path(os.environ["JUDGE_MODEL_DIR"]), allow_fetch=False, threads=1)
story = ("A customer shouted at me about a late parcel. I listened, apologised, checked the tracking with her, "
         "sent a replacement the same day and called her back the next morning.")
fit = judge.anchor_fit(story, "en", ["Calms the customer and solves the problem", "Hangs up on the customer"])
encoder = load_encoder(Path(os.environ["ENCODER_MODEL_DIR"]), allow_fetch=False)
sim = encoder.similarity("I sent a replacement parcel", "I shipped a new package")
print(json.dumps({"judge": judge.label, "pinned": pinned_sha256(), "fit": fit, "similarity": sim}))
"""


def test_the_scoring_image_judges_with_its_baked_model_and_encoder():
    require_image("scoring-lambda")
    with container("scoring-lambda") as ctr:
        proc = ctr.run(["/opt/venv/bin/python", "-c", PROBE], {}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # The GGUF was hashed on load (an explicit path is verified) and is the pinned one; it read both anchors.
    assert out["judge"].split("@sha256:")[1].startswith(out["pinned"][:12])
    assert len(out["fit"]) == 2 and all(isinstance(v, float) and abs(v) < 50 for v in out["fit"])
    assert 0.3 < out["similarity"] <= 1.0


def test_the_scoring_lambda_answers_through_the_runtime_interface_client(aws_env):
    require_image("scoring-lambda")
    env = {
        **aws_env,
        "INTERVIEWS_TABLE": "interviews",
        "PROFILES_TABLE": "profiles",
        "ARTIFACTS_BUCKET": "artifacts",
    }
    event = {"step": "plan", "tenant_id": "t1", "interview_id": "i-missing", "execution_id": "e1"}
    response, error, output = invoke("scoring-lambda", event, env, timeout=600)

    # The handler was imported and ran (settings validated, request parsed): it reports the missing tables as
    # its own error, not an import or initialisation failure of the image.
    assert response is None and isinstance(error, dict), output[-3000:]
    assert error.get("errorType") not in (None, "Runtime.ImportModuleError", "Runtime.HandlerNotFound"), error
    assert "entrypoint" in json.dumps(error.get("stackTrace", "")) or error.get("errorMessage"), error
