"""``jiping``: the operator CLI. Runs interviews through the local cloud (the synthesized stack on moto).

    jiping evaluate VIDEO [VIDEO ...] --job JOB [--tenant T] [--out DIR] [--json]
    jiping demo [--out DIR] [--json]

Progress goes to stderr; ``--json`` prints the result document alone on stdout. The exit code is 0
when every clip was transcribed, 2 when a clip was rejected (bad input), 1 when a stage failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jiping import bootstrap

from infra import capacity
from infra.cli import analytics as cli_analytics
from infra.cli.evaluate import evaluate
from infra.cli.inputs import (
    DEMO_CANDIDATE,
    DEMO_CONSENT_VERSION,
    DEMO_HR,
    DEMO_PROFILE,
    EXIT_OK,
    EXIT_USAGE,
    SAMPLE,
    Console,
    Notify,
    UsageError,
    notify_from,
    plan_inputs,
    resolve_job,
)
from infra.cli.redrive import redrive_cli
from infra.cli.serve import serve
from infra.cli.summary import print_summary


def _run(
    videos: list[Path],
    job: str,
    tenant: str,
    out: Path,
    as_json: bool,
    questions: Sequence[dict[str, Any]] = (),
    job_version: int | None = None,
    profile: Any = None,
    notify: Notify = Notify(),
    consent_version: str | None = None,
    texts: Sequence[tuple[str, Path]] = (),
) -> int:
    missing = [str(v) for v in [*videos, *(p for _, p in texts)] if not v.is_file()]
    if missing:
        print(f"jiping: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    console = Console()
    document, code = evaluate(
        videos, job, tenant, out, console, questions, job_version, profile, notify, consent_version, texts
    )
    if as_json:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_summary(document, sys.stdout)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    parser = argparse.ArgumentParser(
        prog="jiping", description="Jiping (即评) operator CLI, on the local cloud"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate interview answer clips through the whole workflow")
    ev.add_argument("videos", nargs="*", type=Path, metavar="VIDEO")
    ev.add_argument("--job", required=True, help="a job id, or a job-profile file (YAML/JSON, see profiles/)")
    ev.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="QUESTION_ID=CLIP",
        help="the clip that answers a question (repeat per question)",
    )
    ev.add_argument(
        "--text-answer",
        action="append",
        default=[],
        metavar="QUESTION_ID=FILE",
        help="a written answer (UTF-8 text file) to a question; mixes with --answer (repeat per question)",
    )
    ev.add_argument("--tenant", default="demo")
    ev.add_argument("--out", type=Path, default=Path("out"))
    ev.add_argument("--json", action="store_true", help="print the result document as JSON on stdout")
    ev.add_argument(
        "--questions",
        "--timeline",
        dest="questions",
        type=Path,
        help="JSON list of questions: {question_id, text?, media_id?} per clip, or {question_id, start_s, "
        "end_s?} entries forming the question timeline of one video",
    )
    ev.add_argument(
        "--webhook-url", help="the EHR endpoint to sign deliveries to (default: the local EHR receiver)"
    )
    ev.add_argument("--webhook-secret", help="its whsec_ secret (default: a new one)")
    ev.add_argument(
        "--hr-wecom-user",
        action="append",
        default=[],
        metavar="USERID",
        help="a WeCom directory member to tell (repeat; default: none, recorded as skipped)",
    )
    ev.add_argument(
        "--candidate-wecom-id",
        metavar="EXTERNAL_USERID",
        help="the candidate's WeCom external contact id",
    )
    ev.add_argument(
        "--wecom-api-base", metavar="URL", help="the WeCom API to call (default: the local stand-in)"
    )
    ev.add_argument(
        "--biometric-consent",
        metavar="VERSION",
        help="the version of the consent text the candidate separately agreed to for video (face) analysis; "
        "without it only the audio is analysed (PIPL art. 29)",
    )
    serve_cmd = sub.add_parser("serve", help="run the HR-portal API on 127.0.0.1 against the local cloud")
    serve_cmd.add_argument("--port", type=int, default=8787)
    serve_cmd.add_argument("--tenant", default="demo", help="the tenant of the API key printed at start")
    key_cmd = sub.add_parser(
        "api-key", help="mint or revoke a tenant's API key in a deployed stack (AWS credentials)"
    )
    key_sub = key_cmd.add_subparsers(dest="key_command", required=True)
    mint_cmd = key_sub.add_parser("create", help="mint a key and print it once")
    mint_cmd.add_argument("--tenant", required=True)
    mint_cmd.add_argument(
        "--scope",
        action="append",
        choices=["portal", "ehr", "admin"],
        metavar="SCOPE",
        help="portal (interviews, reports, talent pool), ehr (outcomes, demographics) or admin "
        "(profiles, webhooks, analytics, overrides, erasure); repeat for several (default: portal)",
    )
    mint_cmd.add_argument("--expires-in-days", type=int, metavar="DAYS", help="default: never expires")
    revoke_cmd = key_sub.add_parser(
        "revoke", help="revoke a key (refused everywhere within the authorizer's cache time)"
    )
    revoke_cmd.add_argument("key", metavar="KEY_ID", help="the key's id (jp_{key_id}_…), or the whole key")
    for cmd in (mint_cmd, revoke_cmd):
        cmd.add_argument("--table", required=True, help="the stack's ApiKeysTableName output")
        cmd.add_argument("--region", help="default: your AWS profile's region")
    redrive_cmd = sub.add_parser(
        "redrive",
        help="evaluate again the uploads whose executions failed, in a deployed stack (AWS credentials)",
    )
    redrive_cmd.add_argument("--state-machine", required=True, help="the stack's StateMachineArn output")
    redrive_cmd.add_argument(
        "--execution", action="append", default=[], metavar="ARN", help="repeat per execution"
    )
    redrive_cmd.add_argument(
        "--since-hours",
        type=float,
        help="every execution that failed, timed out or was aborted in the last H hours",
    )
    redrive_cmd.add_argument("--region", help="default: your AWS profile's region")
    cli_analytics.add_parser(sub)
    capacity.add_parser(sub)
    demo = sub.add_parser("demo", help="evaluate the sample interview in events/media/")
    demo.add_argument("--out", type=Path, default=Path("out") / "demo")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--hr-wecom-user", action="append", default=None, metavar="USERID")
    demo.add_argument("--candidate-wecom-id", default=DEMO_CANDIDATE, metavar="EXTERNAL_USERID")
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        try:
            job = resolve_job(args.job)
            videos, questions, texts = plan_inputs(
                list(args.videos), args.answer, args.questions, job, args.text_answer
            )
            notify = notify_from(
                args.webhook_url,
                args.webhook_secret,
                args.hr_wecom_user,
                args.candidate_wecom_id,
                args.wecom_api_base,
            )
        except UsageError as exc:
            print(f"jiping: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return _run(
            videos,
            job.job_id,
            args.tenant,
            args.out,
            args.json,
            questions,
            job.version,
            job.profile,
            notify,
            args.biometric_consent,
            texts,
        )
    if args.command == "serve":
        return serve(args.port, args.tenant)
    if args.command == "analytics":
        return cli_analytics.run(args)
    if args.command == "capacity":
        return capacity.run(args)
    if args.command == "redrive":
        import boto3

        return redrive_cli(
            boto3.client("stepfunctions", region_name=args.region),
            args.state_machine,
            args.execution,
            args.since_hours,
        )
    if args.command == "api-key":
        from jiping.portal.interviews import mint_key, revoke_key

        try:
            import boto3

            region = args.region or boto3.session.Session().region_name
            if not region:
                raise UsageError("no AWS region: give --region or configure one")
            store = bootstrap.api_key_store(args.table, region=region)
            if args.key_command == "revoke":
                done = revoke_key(store, args.key)
                print(
                    f"revoked {done.key_id} (tenant {done.tenant_id}) at {done.revoked_at:%Y-%m-%dT%H:%M:%SZ}"
                )
            else:
                print(
                    mint_key(
                        store, args.tenant, args.scope or ["portal"], expires_in_days=args.expires_in_days
                    )
                )
        except ValueError as exc:
            print(f"jiping: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    sample = [c for c in json.loads(SAMPLE.read_text()) if c.get("quality", "strong") == "strong"]
    job = resolve_job(str(DEMO_PROFILE))
    clips, questions, _ = plan_inputs(
        [], [f"{c['question_id']}={SAMPLE.parent / c['file']}" for c in sample], None, job
    )
    notify = Notify(
        hr_wecom_users=tuple(args.hr_wecom_user or DEMO_HR), candidate_wecom_id=args.candidate_wecom_id
    )
    # The sample clips are synthetic (scripts/make_sample_media.py): no person's face; the demo records
    # the consent a portal would have recorded, so that the whole workflow, vision included, runs.
    return _run(
        clips,
        job.job_id,
        "demo",
        args.out,
        args.json,
        questions,
        job.version,
        job.profile,
        notify,
        DEMO_CONSENT_VERSION,
    )
