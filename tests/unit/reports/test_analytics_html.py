"""The analytics pages: charts that follow the numbers, withheld values kept out, everything escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from jiping.analytics.models import (
    Correlation,
    DriftReport,
    DriftWindow,
    GroupImpact,
    ImpactReport,
    ReweightingProposal,
    ValidityReport,
    ValidityRow,
)
from jiping.reports.analytics import content_security_policy, render_drift, render_impact, render_validity
from jiping.reports.format import num

NOW = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
XSS = "<script>alert(1)</script>"


# --- sample reports -----------------------------------------------------------------------------------


def _corr(
    r: float | None, n: int = 80, withheld: bool = False, corrected: float | None = None
) -> Correlation:
    if withheld or r is None:
        return Correlation(n=n, withheld=withheld)
    return Correlation(
        n=n,
        withheld=False,
        pearson=r,
        pearson_ci=(r - 0.2, r + 0.2),
        spearman=r - 0.02,
        spearman_ci=(r - 0.22, r + 0.18),
        corrected=corrected,
        corrected_ci=(corrected - 0.2, min(corrected + 0.2, 1.0)) if corrected is not None else None,
    )


def validity_report(r_overall: float = 0.31, name: str = "沟通表达") -> ValidityReport:
    rows = [
        ValidityRow(
            predictor="overall",
            name="综合得分 Overall",
            outcome="performance",
            correlation=_corr(r_overall, corrected=min(r_overall * 1.3, 0.99)),
        ),
        ValidityRow(predictor="communication", name=name, outcome="performance", correlation=_corr(0.18)),
        ValidityRow(
            predictor="teamwork", name="团队协作", outcome="performance", correlation=_corr(None, 12, True)
        ),
        ValidityRow(
            predictor="overall",
            name="综合得分 Overall",
            outcome="hire",
            correlation=_corr(-0.05, 140, corrected=-0.07),
        ),
    ]
    return ValidityReport(
        job_id="cs-agent",
        job_version=3,
        generated_at=NOW,
        min_n=30,
        pool_n=412,
        outcome_n={"hire": 140, "performance": 80},
        correction="Thorndike case II on the overall score (direct selection), u per outcome.",
        selection_sd_ratio={"hire": 0.91, "performance": 0.74},
        rows=rows,
        notes=["Probation outcomes: none posted yet."],
    )


def proposal() -> ReweightingProposal:
    return ReweightingProposal(
        proposal_id="rw-20250301-abc",
        job_id="cs-agent",
        job_version=3,
        outcome="performance",
        n=80,
        folds=5,
        alpha=0.3,
        current_weights={"communication": 0.5, "teamwork": 0.3, "empathy": 0.2},
        proposed_weights={"communication": 0.62, "teamwork": 0.08, "empathy": 0.3},
        cv_r_current=0.214,
        cv_r_proposed=0.262,
        expected_gain=0.048,
        created_at=NOW,
    )


def _group(attribute: str, group: str, sel: float | None, score: float | None, **kw: object) -> GroupImpact:
    flagged = any(r is not None and r < 0.8 for r in (sel, score)) and not kw.get("excluded", False)
    values: dict = {
        "n": 50,
        "share": 0.4,
        "selected": 20,
        "selection_rate": 0.4,
        "above_median": 25,
        "scoring_rate": 0.5,
        "flagged": flagged,
    } | kw
    return GroupImpact(
        attribute=attribute, group=group, selection_impact_ratio=sel, scoring_impact_ratio=score, **values
    )


def impact_report(flag: bool = True) -> ImpactReport:
    groups = [
        _group("sex", "female", 1.0, 1.0),
        _group("sex", "male", 0.8, 0.9),
        _group("age_band", "18-29", 1.0, 1.0),
        _group("age_band", "50+", 0.4 if flag else 0.9, 0.85),
        _group(
            "age_band",
            XSS,
            None,
            None,
            excluded=True,
            n=2,
            share=0.02,
            selected=1,
            selection_rate=0.5,
            above_median=1,
        ),
    ]
    return ImpactReport(
        job_id="cs-agent",
        job_version=3,
        generated_at=NOW,
        n=180,
        selection="recommendation = advance",
        median_score=62.5,
        min_share=0.05,
        threshold=0.8,
        unknown={"sex": 7, "age_band": 22},
        groups=groups,
        flagged=[f"{g.attribute}={g.group}" for g in groups if g.flagged],
        notes=["Intersections need at least 2 groups above min_share."],
    )


def _window(start: date, median: float | None, n: int = 40, drifted: bool = False) -> DriftWindow:
    if median is None:
        return DriftWindow(
            start=start,
            end=start + timedelta(days=14),
            n=n,
            mean=None,
            p25=None,
            median=None,
            p75=None,
            advance_rate=None,
        )
    return DriftWindow(
        start=start,
        end=start + timedelta(days=14),
        n=n,
        mean=median + 0.4,
        p25=median - 8,
        median=median,
        p75=median + 7,
        advance_rate=0.35,
        psi=0.31 if drifted else 0.04,
        ks=0.2 if drifted else 0.05,
        ks_p=0.001 if drifted else 0.6,
        drifted=drifted,
    )


def drift_report(drifted: tuple[int, ...] = (4, 5)) -> DriftReport:
    first = date(2024, 11, 4)
    medians: list[float | None] = [61.0, 62.5, 60.0, None, 68.0, 71.5, 62.0]
    windows = [
        _window(first + timedelta(days=14 * i), m, n=12 if m is None else 40 + i, drifted=i in drifted)
        for i, m in enumerate(medians)
    ]
    baseline = DriftWindow(
        start=date(2024, 9, 1),
        end=first,
        n=300,
        mean=61.2,
        p25=53.0,
        median=61.0,
        p75=68.0,
        advance_rate=0.33,
    )
    return DriftReport(
        job_id="cs-agent",
        job_version=3,
        generated_at=NOW,
        window_days=14,
        min_n=20,
        psi_alert=0.2,
        ks_alpha=0.01,
        baseline=baseline,
        windows=windows,
        alerts=[f"window {w.start}: PSI {w.psi}" for w in windows if w.drifted],
    )


# --- parsing ------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Every element with its attributes, its class list and the text directly inside it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], set[str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes, set(attributes.get("class", "").split())))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, *classes: str) -> list[dict[str, str]]:
        return [a for t, a, c in self.elements if t == tag and set(classes) <= c]

    def tags(self) -> set[str]:
        return {t for t, _, _ in self.elements}

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _svgs(html: str, css_class: str) -> list[Page]:
    """Each chart of one kind as a page of its own."""
    return [Page(m) for m in re.findall(rf'<svg class="chart {css_class}".*?</svg>', html, re.DOTALL)]


# --- validity -----------------------------------------------------------------------------------------


def test_validity_forest_plot_draws_a_dot_per_shown_predictor_and_none_for_withheld() -> None:
    html = render_validity(validity_report())
    plots = _svgs(html, "forest")
    assert len(plots) == 2  # hire, performance: one plot per outcome
    hire, performance = plots  # in OUTCOME_KINDS order
    assert len(performance.find("circle", "dot")) == 2  # overall, communication; teamwork withheld
    assert len(performance.find("line", "ci")) == 2
    assert len(hire.find("circle", "dot")) == 1
    # the withheld predictor is still listed, as a grey label, and its numbers are not anywhere
    withheld = performance.find("g", "withheld")
    assert len(withheld) == 1
    assert "团队协作" in performance.all_text
    assert "n < 30, withheld" in Page(html).all_text
    # the uncorrected predictor is a hollow (raw) dot; the corrected one is filled
    assert len(performance.find("circle", "dot", "raw")) == 1


def test_validity_dot_moves_with_the_value_and_sits_on_the_axis() -> None:
    def overall_cx(r: float) -> float:
        performance = _svgs(render_validity(validity_report(r_overall=r)), "forest")[1]
        return float(performance.find("circle", "dot")[0]["cx"])

    low, high = overall_cx(0.1), overall_cx(0.6)
    assert high > low
    # the zero line is the midpoint of the -1..1 axis, and a corrected r of 0.13 sits right of it
    performance = _svgs(render_validity(validity_report(r_overall=0.1)), "forest")[1]
    zero = float(performance.find("line", "zero")[0]["x1"])
    assert low > zero
    # and a negative r sits left of it
    hire = _svgs(render_validity(validity_report()), "forest")[0]
    assert float(hire.find("circle", "dot")[0]["cx"]) < zero
    # the CI line brackets the dot
    line = performance.find("line", "ci")[0]
    assert float(line["x1"]) < low < float(line["x2"])


def test_validity_table_shows_numbers_and_withheld_rows() -> None:
    text = Page(render_validity(validity_report())).all_text
    assert "0.31" in text and "[0.11, 0.51]" in text  # Pearson of overall with its CI
    assert "0.40" in text  # corrected: 0.31 * 1.3 = 0.403
    assert "Thorndike case II" in text and "Probation outcomes: none posted yet." in text
    assert "412" in text and "2025-03-01 08:30 UTC" in text
    assert "预测效度 Predictive validity" in text


def test_validity_without_proposal_has_no_proposal_section() -> None:
    html = render_validity(validity_report())
    assert "reweighting" not in html
    assert not _svgs(html, "weights")


def test_proposal_section_shows_both_weight_sets_and_the_accept_route() -> None:
    html = render_validity(validity_report(), proposal())
    page = Page(html)
    text = page.all_text
    chart = _svgs(html, "weights")[0]
    current, proposed = chart.find("rect", "bar", "cur"), chart.find("rect", "bar", "new")
    assert len(current) == len(proposed) == 3
    # bar length follows the weight: communication 0.5 -> 0.62, teamwork 0.3 -> 0.08
    assert float(proposed[0]["width"]) > float(current[0]["width"])
    assert float(proposed[1]["width"]) < float(current[1]["width"])
    assert float(current[0]["width"]) == pytest.approx(float(current[1]["width"]) * 5 / 3, abs=0.2)
    for value in ("0.500", "0.300", "0.200", "0.620", "0.080"):
        assert value in text
    assert "0.214" in text and "0.262" in text and "+0.048" in text
    assert "POST /v1/analytics/reweighting/rw-20250301-abc/accept" in text
    assert "Nothing changes until someone accepts it" in text
    # the names of the competencies come from the validity rows; an unknown id is shown as itself
    assert "沟通表达" in chart.all_text and "empathy" in chart.all_text


def test_an_accepted_proposal_says_so_instead_of_the_route() -> None:
    accepted = proposal().model_copy(update={"status": "accepted", "accepted_version": 4, "accepted_at": NOW})
    text = Page(render_validity(validity_report(), accepted)).all_text
    assert "Accepted" in text and "version 4" in text
    assert "/accept" not in text


# --- impact -------------------------------------------------------------------------------------------


def test_impact_draws_one_bar_per_ratio_of_each_included_group() -> None:
    html = render_impact(impact_report())
    sex, age = _svgs(html, "impact")
    assert len(sex.find("rect", "bar")) == 4  # 2 groups x 2 ratios
    assert len(age.find("rect", "bar")) == 4  # the excluded group has no bar
    assert len(age.find("g", "excluded")) == 1
    # flagged: 50+ selection 0.4 (below 0.8); male's 0.8 is at the threshold, not below it
    warn = age.find("rect", "bar", "warn")
    assert len(warn) == 1 and "sel" in warn[0]["class"]
    assert not sex.find("rect", "bar", "warn")


def test_impact_threshold_line_sits_at_the_end_of_a_bar_of_exactly_the_threshold() -> None:
    sex = _svgs(render_impact(impact_report()), "impact")[0]
    threshold_x = float(sex.find("line", "threshold")[0]["x1"])
    female_sel, _, male_sel, _ = sex.find("rect", "bar")
    assert float(male_sel["x"]) + float(male_sel["width"]) == pytest.approx(threshold_x, abs=0.2)
    # ratio 1.0 is 1.25 times as long as 0.8
    assert float(female_sel["width"]) == pytest.approx(float(male_sel["width"]) * 1.25, abs=0.2)
    assert threshold_x < float(female_sel["x"]) + float(female_sel["width"])
    # and at the axis tick labelled 0.8
    svg = re.findall(r'<svg class="chart impact".*?</svg>', render_impact(impact_report()), re.DOTALL)[0]
    ticks = dict(
        (label, float(x))
        for x, label in re.findall(r'<text class="tick" x="([\d.]+)"[^>]*>([\d.]+)</text>', svg)
    )
    assert ticks["0.8"] == pytest.approx(threshold_x) and ticks["0.0"] == float(male_sel["x"])


def test_impact_flagged_box_only_when_something_is_flagged() -> None:
    flagged = Page(render_impact(impact_report(flag=True)))
    assert len(flagged.find("div", "warnbox")) == 1
    assert "需人工复核" in flagged.all_text and "age_band=50+" in flagged.all_text
    clean = Page(render_impact(impact_report(flag=False)))
    assert not clean.find("div", "warnbox")
    assert "需人工复核" not in clean.all_text


def test_impact_table_shows_unknown_counts_rates_and_marks() -> None:
    text = Page(render_impact(impact_report())).all_text
    assert "unknown: 7" in text and "unknown: 22" in text
    assert "40.0 %" in text and "(20/50)" in text  # selection rate and its counts
    assert "recommendation = advance" in text and "62.5" in text
    assert "excluded" in text and "—" in text  # the excluded group's ratios


# --- drift --------------------------------------------------------------------------------------------


def test_drift_marks_each_drifted_window_once() -> None:
    for drifted in ((), (4,), (0, 4, 5)):
        chart = _svgs(render_drift(drift_report(drifted)), "drift-chart")[0]
        assert len(chart.find("circle", "drift")) == len(drifted)
        # every other window with a median gets a plain point; the empty window (index 3) none
        assert len(chart.find("circle", "pt")) == 6 - len(drifted)


def test_drift_chart_follows_the_medians_and_breaks_at_an_empty_window() -> None:
    chart = _svgs(render_drift(drift_report((5,))), "drift-chart")[0]
    drift = chart.find("circle", "drift")[0]  # window 5, median 71.5: the highest, so the smallest y
    points = chart.find("circle", "pt")
    assert all(float(drift["cy"]) < float(p["cy"]) for p in points)
    assert all(float(drift["cx"]) > float(p["cx"]) for p in points[:4])  # later than windows 0..4
    assert len(chart.find("polyline", "median")) == 2  # windows 0-2, then 4-6
    assert len(chart.find("polygon", "band")) == 2
    assert len(chart.find("rect", "baseband")) == 1
    n_labels = [t.strip() for t in re.findall(r'class="tick n"[^>]*>([^<]*)<', render_drift(drift_report()))]
    assert n_labels == ["40", "41", "42", "12", "44", "45", "46"]


def test_drift_table_and_alerts() -> None:
    report = drift_report((4,))
    page = Page(render_drift(report))
    text = page.all_text
    assert "window 2024-12-30: PSI 0.31" in text
    assert len(page.find("div", "warnbox")) == 1
    assert "0.310" in text and "0.001" in text and "68.0" in text
    assert "2024-11-04" in text and "n < 20" in text  # the empty window is not tested
    quiet = Page(render_drift(drift_report(())))
    assert not quiet.find("div", "warnbox") and "No alerts" in quiet.all_text


# --- safety -------------------------------------------------------------------------------------------


def _pages() -> list[str]:
    validity = validity_report(name=XSS)
    validity.notes.append(XSS)
    impact = impact_report()
    impact.unknown[XSS] = 3
    drift = drift_report()
    drift.alerts.append(XSS)
    return [render_validity(validity, proposal()), render_impact(impact), render_drift(drift)]


def test_posted_values_are_escaped() -> None:
    for html in _pages():
        page = Page(html)
        assert "script" not in page.tags()
        assert "<script" not in html
        assert "&lt;script&gt;" in html
        assert XSS in page.all_text  # shown, as text


def test_pages_are_self_contained() -> None:
    for html in _pages():
        page = Page(html)
        assert not re.search(r"https?://", html)
        assert not page.tags() & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
        assert not any("style" in a or any(k.startswith("on") for k in a) for _, a, _ in page.elements)
        assert "url(" not in html and "@import" not in html
        assert len(page.find("style")) == 1


def test_content_security_policy_allows_exactly_the_page_style() -> None:
    import base64
    import hashlib

    html = render_drift(drift_report())
    css = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert css is not None
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    policy = content_security_policy(html)
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    # the style does not depend on the report: one policy fits every page
    assert content_security_policy(render_impact(impact_report())) == policy


def test_none_is_a_dash() -> None:
    assert num(None) == "—" and num(0.12345, 3) == "0.123" and num(float("nan")) == "—"


def test_a_value_that_is_not_a_number_is_not_drawn() -> None:
    report = validity_report()
    report.rows[1].correlation.pearson = float("nan")
    impact = impact_report()
    impact.groups[0].selection_impact_ratio = float("inf")
    drift = drift_report(())
    drift.windows[0].median = float("nan")
    html = render_validity(report) + render_impact(impact) + render_drift(drift)
    assert not re.search(r'="-?(nan|inf)', html)  # no coordinate or width that is not a number
    assert len(_svgs(render_validity(report), "forest")[1].find("circle", "dot")) == 1
    assert len(_svgs(render_drift(drift), "drift-chart")[0].find("circle", "pt")) == 5
