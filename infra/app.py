"""The CDK app: ``build_app()`` for tools and tests, ``python infra/app.py`` for the CDK CLI / make synth."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script (``python infra/app.py``): Python put infra/ first on sys.path, where our
    # ``constructs`` package would shadow the ``constructs`` library. Import from the repo root instead.
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path.insert(0, str(_HERE.parent))

import aws_cdk as cdk

from infra import constants
from infra.nag import add_checks
from infra.stack import JipingStack

DEFAULT_OUTDIR = "cdk.out"

# Feature flags this app relies on, set here so build_app() behaves the same without cdk.json.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-events:eventsTargetQueueSameAccount": True,
    "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy": True,
}
# What the CDK CLI turns on by default: resources carry aws:asset:path / aws:asset:property metadata,
# which the local cloud uses to find each function's staged code.
CLI_DEFAULTS: dict[str, Any] = {"aws:cdk:enable-asset-metadata": True}


def build_app(
    outdir: str | None = None,
    context: dict[str, Any] | None = None,
    env: cdk.Environment | None = None,
) -> tuple[cdk.App, JipingStack]:
    """The app with its one stack; ``context`` is merged over ``constants.DEFAULTS``.

    ``outdir=None`` lets CDK choose (``CDK_OUTDIR`` from the CLI, else a temporary directory). The stage
    (``jiping:stage``, default dev) names the CloudFormation stack ``Jiping-<stage>``; the construct id, and so
    the assembly's ``Jiping.template.json``, stays ``Jiping``. Defaults that depend on the partition
    (``jiping:partition``) are left to the stack.
    """
    defaults = {k: v for k, v in constants.DEFAULTS.items() if k not in constants.PARTITION_DEPENDENT_CONTEXT}
    app = cdk.App(
        outdir=outdir,
        context={**CLI_DEFAULTS, **FEATURE_FLAGS, **defaults},
        # Explicit context wins over cdk.json/-c values the CLI passes in.
        post_cli_context=dict(context or {}),
    )
    stack = JipingStack(app, constants.STACK_NAME, env=env)
    add_checks(app)
    return app, stack


if __name__ == "__main__":
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    build_app(
        outdir=None if "CDK_OUTDIR" in os.environ else DEFAULT_OUTDIR,
        env=cdk.Environment(account=account, region=region) if account or region else None,
    )[0].synth()
