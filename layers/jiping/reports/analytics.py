"""The analytics reports as HTML pages: what an HR analyst reads, checks and prints.

One page per report (validity with the optional re-weighting proposal, adverse impact, drift),
rendered with Jinja2 from the report models (autoescaped: group names and attribute values are what
the EHR posted, never markup). The charts are inline SVG (``charts.py``); the pages carry no script and
no external resource, so they work offline, on paper and under a strict Content-Security-Policy (see
:func:`content_security_policy`). Headings are bilingual (Chinese, then English).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from jiping.analytics.models import (
    DriftReport,
    ImpactReport,
    ReweightingProposal,
    ValidityReport,
)
from jiping.reports.charts import drift_chart, impact_sections, validity_sections, weight_chart
from jiping.reports.format import ACCEPT_ROUTE, OUTCOME_LABELS, ci, num, pct, signed, utc

# --- rendering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    title: str
    job_id: str
    job_version: int
    generated_at: str
    counts: list[tuple[str, str]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jiping.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=num, signed=signed, pct=pct, ci=ci, utc=utc)
    return env


def _render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


def render_validity(report: ValidityReport, proposal: ReweightingProposal | None = None) -> str:
    """The validity page; with ``proposal``, its re-weighting section too."""
    names = {r.predictor: r.name for r in report.rows}
    counts = [("候选池 pool n", str(report.pool_n))]
    counts += [(OUTCOME_LABELS.get(k, k) + " n", str(v)) for k, v in report.outcome_n.items()]
    counts.append(("最小样本 min n", str(report.min_n)))
    header = Header(
        "预测效度 Predictive validity", report.job_id, report.job_version, utc(report.generated_at), counts
    )
    weights = weight_chart(proposal, names) if proposal is not None else None
    accept = ACCEPT_ROUTE.format(proposal_id=proposal.proposal_id) if proposal is not None else ""
    return _render(
        "analytics_validity.html.j2",
        h=header,
        r=report,
        sections=validity_sections(report),
        p=proposal,
        weights=weights,
        accept=accept,
        outcome_labels=OUTCOME_LABELS,
    )


def render_impact(report: ImpactReport) -> str:
    """The adverse-impact page: impact ratios per attribute, the flagged groups first."""
    counts = [
        ("候选人 candidates n", str(report.n)),
        ("得分中位数 median score", num(report.median_score, 1)),
        ("阈值 threshold", num(report.threshold, 2)),
        ("最小占比 min share", pct(report.min_share)),
    ]
    header = Header(
        "不利影响 Adverse impact", report.job_id, report.job_version, utc(report.generated_at), counts
    )
    return _render("analytics_impact.html.j2", h=header, r=report, sections=impact_sections(report))


def render_drift(report: DriftReport) -> str:
    """The drift page: the score distribution per window against the baseline."""
    windows = sorted(report.windows, key=lambda w: w.start)
    counts = [
        ("窗口 windows", str(len(windows))),
        ("窗口天数 window days", str(report.window_days)),
        ("基线 baseline n", str(report.baseline.n)),
        ("最小样本 min n", str(report.min_n)),
        ("漂移窗口 drifted", str(sum(w.drifted for w in windows))),
    ]
    header = Header(
        "分数漂移 Score drift", report.job_id, report.job_version, utc(report.generated_at), counts
    )
    return _render("analytics_drift.html.j2", h=header, r=report, windows=windows, chart=drift_chart(report))


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def content_security_policy(page: str) -> str:
    """A strict Content-Security-Policy header value for ``page``: nothing but its own <style> element."""
    sources = [
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(page)
    ]
    styles = " ".join(sources) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
