"""The analytics pages' charts as inline SVG geometry computed in Python: the validity forest plot, the
re-weighting bars, impact ratios and drift over time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from jiping.analytics.models import (
    OUTCOME_KINDS,
    DriftReport,
    DriftWindow,
    GroupImpact,
    ImpactReport,
    ReweightingProposal,
    ValidityReport,
    ValidityRow,
)
from jiping.reports.format import (
    DASH,
    OUTCOME_LABELS,
    T,
    Tick,
    _nice_step,
    _scale,
    _ticks,
    ci,
    finite,
    num,
    short,
)

# --- validity: forest plot ----------------------------------------------------------------------------

FOREST_X0, FOREST_X1 = 250.0, 690.0  # r = -1 .. 1
FOREST_VALUE_X = 705
FOREST_WIDTH = 860
FOREST_LABEL = 36
FOREST_TOP, FOREST_ROW = 34, 28


@dataclass(frozen=True)
class ForestRow:
    label: str
    title: str
    y: float
    withheld: bool
    n: int
    cx: float | None = None  # None: nothing to draw (withheld, or no value)
    x1: float | None = None
    x2: float | None = None
    corrected: bool = False  # the dot is the corrected r (filled); else the raw Pearson (hollow)
    text: str = ""


@dataclass(frozen=True)
class ForestPlot:
    width: int
    height: int
    x0: float
    x1: float
    value_x: float
    top: float
    bottom: float
    zero_x: float
    ticks: list[Tick]
    rows: list[ForestRow]


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def forest_plot(rows: Sequence[ValidityRow], min_n: int) -> ForestPlot:
    """One row per predictor: the corrected r (or Pearson when there is no correction) and its CI."""
    x = _scale(-1.0, 1.0, FOREST_X0, FOREST_X1)
    out: list[ForestRow] = []
    for i, row in enumerate(rows):
        c = row.correlation
        y = FOREST_TOP + FOREST_ROW * i + FOREST_ROW / 2
        corrected = c.corrected is not None
        value, bounds = (c.corrected, c.corrected_ci) if corrected else (c.pearson, c.pearson_ci)
        value = finite(value)
        if bounds is not None and not all(map(math.isfinite, bounds)):
            bounds = None
        if c.withheld or value is None:
            text = f"n={c.n} < {min_n}" if c.withheld else f"n={c.n}, {DASH}"
            out.append(ForestRow(short(row.name, FOREST_LABEL), row.name, y, c.withheld, c.n, text=text))
            continue
        lo, hi = (_clamp(bounds[0]), _clamp(bounds[1])) if bounds is not None else (value, value)
        out.append(
            ForestRow(
                short(row.name, FOREST_LABEL),
                row.name,
                y,
                withheld=False,
                n=c.n,
                cx=x(_clamp(value)),
                x1=x(lo),
                x2=x(hi),
                corrected=corrected,
                text=f"{num(value)} {ci(bounds)}".strip(),
            )
        )
    bottom = FOREST_TOP + FOREST_ROW * max(len(rows), 1)
    ticks = [Tick(x(v), num(v, 1)) for v in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    return ForestPlot(
        FOREST_WIDTH,
        int(bottom + 40),
        FOREST_X0,
        FOREST_X1,
        FOREST_VALUE_X,
        FOREST_TOP,
        bottom,
        x(0.0),
        ticks,
        out,
    )


@dataclass(frozen=True)
class OutcomeSection:
    outcome: str
    label: str
    n: int
    u: float | None
    rows: list[ValidityRow]
    plot: ForestPlot


def validity_sections(report: ValidityReport) -> list[OutcomeSection]:
    kinds = [k for k in OUTCOME_KINDS if any(r.outcome == k for r in report.rows)]
    kinds += sorted({r.outcome for r in report.rows} - set(kinds))
    sections = []
    for kind in kinds:
        rows = [r for r in report.rows if r.outcome == kind]
        sections.append(
            OutcomeSection(
                outcome=kind,
                label=OUTCOME_LABELS.get(kind, kind),
                n=report.outcome_n.get(kind, 0),
                u=report.selection_sd_ratio.get(kind),
                rows=rows,
                plot=forest_plot(rows, report.min_n),
            )
        )
    return sections


# --- re-weighting: paired bars ------------------------------------------------------------------------

WEIGHT_X0, WEIGHT_X1 = 200.0, 640.0
WEIGHT_WIDTH = 720
WEIGHT_TOP, WEIGHT_BAR, WEIGHT_ROW = 30, 12, 36


@dataclass(frozen=True)
class WeightRow:
    label: str
    title: str
    y: float  # top of the current-weights bar; the proposed bar sits right under it
    current: float | None
    proposed: float | None
    current_w: float
    proposed_w: float


@dataclass(frozen=True)
class WeightChart:
    width: int
    height: int
    x0: float
    bar: int
    top: float
    bottom: float
    ticks: list[Tick]
    rows: list[WeightRow]


def weight_chart(proposal: ReweightingProposal, names: dict[str, str]) -> WeightChart:
    keys = list(proposal.current_weights) + [
        k for k in proposal.proposed_weights if k not in proposal.current_weights
    ]
    largest = max([*proposal.current_weights.values(), *proposal.proposed_weights.values(), 0.1])
    step = _nice_step(largest, 5)
    top_value = math.ceil(largest / step - 1e-9) * step
    x = _scale(0.0, top_value, WEIGHT_X0, WEIGHT_X1)
    rows = []
    for i, key in enumerate(keys):
        cur, new = proposal.current_weights.get(key), proposal.proposed_weights.get(key)
        name = names.get(key, key)
        rows.append(
            WeightRow(
                label=short(name),
                title=name if name == key else f"{name} ({key})",
                y=WEIGHT_TOP + WEIGHT_ROW * i + 4,
                current=cur,
                proposed=new,
                current_w=round(x(max(cur or 0.0, 0.0)) - WEIGHT_X0, 1),
                proposed_w=round(x(max(new or 0.0, 0.0)) - WEIGHT_X0, 1),
            )
        )
    bottom = WEIGHT_TOP + WEIGHT_ROW * max(len(keys), 1)
    ticks = [Tick(x(v), num(v, 2)) for v in _ticks(0.0, top_value, step)]
    return WeightChart(WEIGHT_WIDTH, int(bottom + 30), WEIGHT_X0, WEIGHT_BAR, WEIGHT_TOP, bottom, ticks, rows)


# --- impact: ratio bars -------------------------------------------------------------------------------

IMPACT_X0, IMPACT_X1 = 210.0, 650.0
IMPACT_WIDTH = 760
IMPACT_TOP, IMPACT_BAR, IMPACT_ROW = 30, 12, 36


@dataclass(frozen=True)
class Bar:
    kind: str  # "sel" (selection) or "score" (scoring)
    x: float
    y: float
    width: float
    value: float
    warn: bool  # below the threshold


@dataclass(frozen=True)
class ImpactRow:
    label: str
    title: str
    y: float  # the middle of the row
    excluded: bool
    flagged: bool
    bars: list[Bar]
    missing: list[tuple[str, float]]  # (kind, y) of a ratio that is None on a group that is not excluded


@dataclass(frozen=True)
class ImpactChart:
    width: int
    height: int
    x0: float
    bar: int
    top: float
    bottom: float
    threshold_x: float
    ticks: list[Tick]
    rows: list[ImpactRow]


def impact_chart(groups: Sequence[GroupImpact], threshold: float) -> ImpactChart:
    """Both impact ratios of every group, on 0..1 (or more, if a ratio is above 1)."""
    ratios = [
        r
        for g in groups
        if not g.excluded
        for r in (finite(g.selection_impact_ratio), finite(g.scoring_impact_ratio))
        if r is not None
    ]
    top_value = max([1.0, threshold, *ratios])
    top_value = math.ceil(top_value * 5 - 1e-9) / 5  # a multiple of 0.2
    x = _scale(0.0, top_value, IMPACT_X0, IMPACT_X1)
    rows = []
    for i, g in enumerate(groups):
        y0 = IMPACT_TOP + IMPACT_ROW * i
        bars: list[Bar] = []
        missing: list[tuple[str, float]] = []
        if not g.excluded:
            for j, (kind, ratio) in enumerate(
                (("sel", finite(g.selection_impact_ratio)), ("score", finite(g.scoring_impact_ratio)))
            ):
                y = y0 + 5 + j * (IMPACT_BAR + 2)
                if ratio is None:
                    missing.append((kind, y + IMPACT_BAR / 2))
                    continue
                width = round(x(max(ratio, 0.0)) - IMPACT_X0, 1)
                bars.append(Bar(kind, IMPACT_X0, y, width, ratio, ratio < threshold))
        rows.append(
            ImpactRow(
                label=short(g.group),
                title=g.group,
                y=y0 + IMPACT_ROW / 2,
                excluded=g.excluded,
                flagged=g.flagged,
                bars=bars,
                missing=missing,
            )
        )
    bottom = IMPACT_TOP + IMPACT_ROW * max(len(groups), 1)
    ticks = [Tick(x(v), num(v, 1)) for v in _ticks(0.0, top_value, 0.2)]
    return ImpactChart(
        IMPACT_WIDTH, int(bottom + 30), IMPACT_X0, IMPACT_BAR, IMPACT_TOP, bottom, x(threshold), ticks, rows
    )


@dataclass(frozen=True)
class AttributeSection:
    attribute: str
    groups: list[GroupImpact]
    unknown: int | None
    flagged: int
    chart: ImpactChart


def impact_sections(report: ImpactReport) -> list[AttributeSection]:
    order: dict[str, list[GroupImpact]] = {}
    for g in report.groups:
        order.setdefault(g.attribute, []).append(g)
    for attribute in report.unknown:  # an attribute nobody answered still shows its unknown count
        order.setdefault(attribute, [])
    return [
        AttributeSection(
            attribute=attribute,
            groups=groups,
            unknown=report.unknown.get(attribute),
            flagged=sum(g.flagged for g in groups),
            chart=impact_chart(groups, report.threshold),
        )
        for attribute, groups in order.items()
    ]


# --- drift: windows over time -------------------------------------------------------------------------

DRIFT_WIDTH, DRIFT_HEIGHT = 860, 330
DRIFT_X0, DRIFT_X1 = 60.0, 840.0
DRIFT_Y0, DRIFT_Y1 = 20.0, 250.0  # top, bottom of the plot area


@dataclass(frozen=True)
class DriftPoint:
    x: float
    y: float | None  # the median; None when the window has none
    drifted: bool
    n: int
    title: str
    marker_y: float  # where a drift marker goes (the median, or the top when there is none)


@dataclass(frozen=True)
class DriftChart:
    width: int
    height: int
    x0: float
    x1: float
    y0: float
    y1: float
    baseline: tuple[float, float] | None  # y of p75, y of p25
    baseline_median: float | None
    bands: list[str]  # polygon points of the p25-p75 band, one per run of windows that have one
    lines: list[str]  # polyline points of the median, one per run
    points: list[DriftPoint]
    y_ticks: list[tuple[float, str]]
    x_labels: list[Tick]
    n_labels: list[Tick]
    boundaries: list[float]


def _runs(items: Iterable[T], present: Callable[[T], bool]) -> list[list[T]]:
    """The runs of consecutive items for which ``present`` holds."""
    runs: list[list[T]] = [[]]
    for item in items:
        if present(item):
            runs[-1].append(item)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _points(pairs: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{a},{b}" for a, b in pairs)


def _drawable(w: DriftWindow) -> DriftWindow:
    """The window with its quartiles that are not finite numbers set to None."""
    return w.model_copy(update={k: finite(getattr(w, k)) for k in ("p25", "median", "p75")})


def drift_chart(report: DriftReport) -> DriftChart:
    windows = sorted(map(_drawable, report.windows), key=lambda w: w.start)
    base = _drawable(report.baseline)
    values = [v for w in [base, *windows] for v in (w.p25, w.median, w.p75) if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 100.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 5, hi + 5
    step = _nice_step(hi - lo, 5)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    y = _scale(lo, hi, DRIFT_Y1, DRIFT_Y0)

    if windows:
        first, last = windows[0].start.toordinal(), max(w.end for w in windows).toordinal()
    else:
        first, last = base.start.toordinal(), base.end.toordinal()
    x = _scale(float(first), float(max(last, first + 1)), DRIFT_X0, DRIFT_X1)

    def mid(w: DriftWindow) -> float:
        return x((w.start.toordinal() + w.end.toordinal()) / 2)

    points = [
        DriftPoint(
            x=mid(w),
            y=y(w.median) if w.median is not None else None,
            drifted=w.drifted,
            n=w.n,
            title=f"{w.start} – {w.end}: n={w.n}, median {num(w.median, 1)}, PSI {num(w.psi, 3)}, KS p {num(w.ks_p, 3)}",
            marker_y=y(w.median) if w.median is not None else DRIFT_Y0 + 6,
        )
        for w in windows
    ]
    bands = []
    for run in _runs(windows, lambda w: w.p25 is not None and w.p75 is not None):
        quartiles = [(mid(w), y(w.p25 or 0.0), y(w.p75 or 0.0)) for w in run]
        if len(quartiles) == 1:  # a lone window: a narrow box rather than a line
            xv, bot, top = quartiles[0]
            quartiles = [(xv - 4, bot, top), (xv + 4, bot, top)]
        upper = [(xv, top) for xv, _, top in quartiles]
        lower = [(xv, bot) for xv, bot, _ in reversed(quartiles)]
        bands.append(_points(upper + lower))
    lines = [
        _points((p.x, p.y or 0.0) for p in run)
        for run in _runs(points, lambda p: p.y is not None)
        if len(run) > 1
    ]
    stride = max(1, math.ceil(len(windows) / 8))
    n_stride = max(1, math.ceil(len(windows) / 20))
    baseline = (y(base.p75), y(base.p25)) if base.p25 is not None and base.p75 is not None else None
    return DriftChart(
        width=DRIFT_WIDTH,
        height=DRIFT_HEIGHT,
        x0=DRIFT_X0,
        x1=DRIFT_X1,
        y0=DRIFT_Y0,
        y1=DRIFT_Y1,
        baseline=baseline,
        baseline_median=y(base.median) if base.median is not None else None,
        bands=bands,
        lines=lines,
        points=points,
        y_ticks=[(y(v), num(v, 0 if step >= 1 else 1)) for v in _ticks(lo, hi, step)],
        x_labels=[Tick(mid(w), w.start.isoformat()) for w in windows[::stride]],
        n_labels=[Tick(mid(w), str(w.n)) for w in windows[::n_stride]],
        boundaries=[x(w.start.toordinal()) for w in windows[1:]],
    )
