"""``jiping analytics validity|impact|drift|reweight``: the analytics reports as JSON and HTML.

Against a running API (``--api-url`` and ``--api-key``: a deployed stack, or ``jiping serve``), or, by
default, on the local cloud with a generated population of known ground truth (``--population``,
``--seed``): a planted relation between two competencies and performance, a planted gap against one
group, a score shift after ``--drift-after`` days. Files go to ``--out`` (``{report}.json`` and
``{report}.html``); a short summary goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jiping import bootstrap

REPORTS = ("validity", "impact", "drift", "reweight")
DEFAULT_JOB = "customer-service"
EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("analytics", help="validity, adverse impact, drift and re-weighting reports")
    p.add_argument("report", choices=REPORTS)
    p.add_argument("--job", default=DEFAULT_JOB, help=f"the job profile id (default: {DEFAULT_JOB})")
    p.add_argument("--version", type=int, help="the profile version (default: the latest)")
    p.add_argument(
        "--outcome",
        default="performance",
        choices=("hire", "probation", "performance"),
        help="reweight: the outcome to fit the weights to",
    )
    p.add_argument(
        "--accept", action="store_true", help="reweight: accept the proposal (a new profile version)"
    )
    p.add_argument("--out", type=Path, default=Path("out") / "analytics")
    p.add_argument("--api-url", help="a running Jiping API, e.g. https://…/ (default: the local cloud)")
    p.add_argument("--api-key", help="its API key (jp_…)")
    p.add_argument("--population", type=int, default=2000, help="local: candidates to generate")
    p.add_argument("--seed", type=int, default=7, help="local: the population's random seed")
    p.add_argument("--gap", type=float, default=6.0, help="local: points taken off one group's scores")
    p.add_argument("--drift-after", type=int, default=56, help="local: days after which scores shift")
    p.add_argument("--drift-shift", type=float, default=8.0, help="local: the shift, in points")


class _Http:
    """The API over HTTP (httpx), with the same ``request`` shape as the local API."""

    def __init__(self, base: str) -> None:
        import httpx

        self._client = httpx.Client(base_url=base.rstrip("/"), timeout=60)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        query: str = "",
    ) -> Any:
        r = self._client.request(method, path + (f"?{query}" if query else ""), headers=headers, content=body)
        return type("Response", (), {"status": r.status_code, "body": r.content, "json": r.json})


def _get(api: Any, key: str, path: str, **params: Any) -> tuple[dict[str, Any], str]:
    auth = {"authorization": f"Bearer {key}"}
    query = {k: v for k, v in params.items() if v is not None}
    r = api.request("GET", path, headers=auth, query=urlencode(query))
    if r.status != 200:
        raise RuntimeError(f"GET {path}: {r.status} {r.body[:300]!r}")
    page = api.request("GET", path, headers=auth, query=urlencode(query | {"format": "html"}))
    return json.loads(r.body), page.body.decode()


def _post(api: Any, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.request(
        "POST",
        path,
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
        body=json.dumps(body),
    )
    if r.status not in (200, 201):
        raise RuntimeError(f"POST {path}: {r.status} {r.body[:300]!r}")
    return dict(json.loads(r.body))


def report(api: Any, key: str, args: argparse.Namespace) -> dict[str, Any]:
    """Fetch one report (JSON and HTML) and write both; returns the JSON."""
    job, version = args.job, args.version
    if args.report == "reweight":
        proposal = _post(
            api,
            key,
            "/v1/analytics/reweighting",
            {"job_id": job, "version": version, "outcome": args.outcome},
        )
        doc, html = _get(
            api,
            key,
            "/v1/analytics/validity",
            job_id=job,
            version=version,
            proposal_id=proposal["proposal_id"],
        )
        doc = {"proposal": proposal, "validity": doc}
        if args.accept:
            doc["accepted"] = _post(
                api, key, f"/v1/analytics/reweighting/{proposal['proposal_id']}/accept", {}
            )
    else:
        doc, html = _get(api, key, f"/v1/analytics/{args.report}", job_id=job, version=version)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.report}.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (args.out / f"{args.report}.html").write_text(html, encoding="utf-8")
    return doc


def summary(name: str, doc: dict[str, Any]) -> list[str]:
    if name == "validity":
        lines = [f"pool n={doc['pool_n']}, outcomes {doc['outcome_n']}", doc["correction"]]
        for row in doc["rows"]:
            c = row["correlation"]
            if row["outcome"] == "performance":
                shown = (
                    "withheld"
                    if c["withheld"]
                    else (f"r={c['pearson']:.3f} ρ={c['spearman']:.3f} corrected={c['corrected']:.3f}")
                )
                lines.append(f"  {row['predictor']:<22} n={c['n']:<5} {shown}")
        return lines
    if name == "impact":
        lines = [f"n={doc['n']}, median {doc['median_score']}, unknown {doc['unknown']}"]
        for g in doc["groups"]:
            if "×" in g["attribute"]:
                continue
            ratio = (
                "excluded"
                if g["excluded"]
                else (
                    f"selection IR={g['selection_impact_ratio']:.3f} scoring IR={g['scoring_impact_ratio']:.3f}"
                )
            )
            lines.append(
                f"  {g['attribute']}={g['group']:<12} n={g['n']:<5} {ratio}{'  FLAG' if g['flagged'] else ''}"
            )
        return lines
    if name == "drift":
        return [f"baseline median {doc['baseline']['median']}, {len(doc['windows'])} windows", *doc["alerts"]]
    p = doc["proposal"]
    lines = [
        f"proposal {p['proposal_id']} on {p['outcome']} (n={p['n']}): "
        f"cv r {p['cv_r_current']:.3f} -> {p['cv_r_proposed']:.3f} (gain {p['expected_gain']:+.3f})",
        "  weights "
        + ", ".join(f"{k} {p['current_weights'][k]:.2f}->{v:.2f}" for k, v in p["proposed_weights"].items()),
    ]
    if "accepted" in doc:
        a = doc["accepted"]
        lines.append(f"accepted: {a['profile_id']} v{a['profile_version']} ({a['composite_model']})")
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        if args.api_url:
            if not args.api_key:
                print("jiping: --api-url needs --api-key", file=sys.stderr)
                return 2
            doc = report(_Http(args.api_url), args.api_key, args)
        else:
            doc = _local(args)
    except RuntimeError as exc:
        print(f"jiping: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(summary(args.report, doc)))
    print(f"wrote {args.out / (args.report + '.json')} and {args.out / (args.report + '.html')}")
    return EXIT_OK


def _local(args: argparse.Namespace) -> dict[str, Any]:
    from jiping.domain.profiles import bundled_profiles
    from jiping.portal.interviews import SCOPES, mint_key

    from infra import constants
    from infra.localcloud.analytics_seed import seed_population
    from infra.localcloud.api_gateway import LocalApi
    from infra.localcloud.cloud import LocalCloud
    from infra.localcloud.population import generate_population

    profiles = bundled_profiles()
    if args.job not in profiles:
        raise RuntimeError(f"locally, --job is one of the bundled profiles: {sorted(profiles)}")
    profile = profiles[args.job]
    population = generate_population(
        profile,
        args.population,
        seed=args.seed,
        group_gap=args.gap,
        drift_after_days=args.drift_after,
        drift_shift=args.drift_shift,
    )
    tenant = "analytics-demo"
    print(
        f"starting the local cloud; generating {args.population} candidates (seed {args.seed})",
        file=sys.stderr,
    )
    with LocalCloud() as cloud:
        key = mint_key(
            bootstrap.api_key_store(cloud.outputs[constants.OUTPUT_API_KEYS_TABLE]), tenant, SCOPES
        )
        api = LocalApi(cloud)
        seeded = seed_population(cloud, api, key, tenant, profile, population)
        print(
            f"seeded {seeded.interviews} scored interviews, {seeded.outcomes} outcomes, "
            f"{seeded.demographics} demographic records",
            file=sys.stderr,
        )
        return report(api, key, args)
