"""Competency weights that predict an outcome better, proposed for a person to review.

The weights come from a non-negative ridge regression of the outcome on the standardised competency
scores (no competency can count against a candidate), with the penalty chosen by cross-validation, and are
converted back to weights on the raw 0-100 scores. Whether they help is measured out of fold: the outer
folds' test correlation of the composite score with the outcome, for the current and for the proposed
weights, each fold's weights and penalty fitted on the other folds only (nested cross-validation, so the
estimate is not optimistic; Varma & Simon 2006).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from jiping.analytics.models import OutcomeKind, OutcomeRecord, ReweightingProposal, ScoredCandidate
from jiping.analytics.stats import kfold, nonneg_ridge, pearson
from jiping.analytics.validity import outcome_means, pool
from jiping.domain.models import utcnow
from jiping.domain.profiles import JobProfile

DEFAULT_ALPHAS: tuple[float, ...] = (0.0, 0.1, 1.0, 10.0, 100.0, 1000.0)
DIGITS = 4

Matrix = npt.NDArray[np.float64]


def rows_for(
    profile: JobProfile,
    candidates: list[ScoredCandidate],
    outcomes: list[OutcomeRecord],
    outcome: OutcomeKind,
) -> tuple[Matrix, Matrix, int]:
    """The raw competency scores (n × p, profile order), the outcome (mean normalised value per interview)
    and how many interviews had more than one value, for the interviews of this profile version with
    every competency scored and the outcome present."""
    scored = pool(profile, candidates)
    means, repeated = outcome_means(outcomes, {c.interview_id for c in scored})
    ys = means[outcome]
    ids = [c.id for c in profile.competencies]
    x: list[list[float]] = []
    y: list[float] = []
    for candidate in scored:
        scores = [candidate.competencies.get(c) for c in ids]
        value = ys.get(candidate.interview_id)
        if value is not None and all(s is not None for s in scores):
            x.append([float(s) for s in scores if s is not None])
            y.append(value)
    return (
        np.array(x, dtype=np.float64).reshape(len(x), len(ids)),
        np.array(y, dtype=np.float64),
        repeated[outcome],
    )


def fit_weights(x: Matrix, y: Matrix, alpha: float) -> Matrix | None:
    """Weights on the raw scores, summing to 1, from a non-negative ridge fit on standardised scores.

    Each column is standardised with its mean and SD (a column that does not vary gets weight 0), y is
    centred, b = argmin ||y - Zb||² + alpha·||b||² with b >= 0, and w_k = b_k / sd_k normalised to sum 1.
    None when every coefficient is 0.
    """
    sd = x.std(axis=0)
    constant = sd == 0
    sd = np.where(constant, 1.0, sd)
    z = np.where(constant, 0.0, (x - x.mean(axis=0)) / sd)
    beta = nonneg_ridge(z, y - y.mean(), alpha)
    weights = beta / sd
    total = float(weights.sum())
    return weights / total if total > 0 else None


def composite_r(x: Matrix, y: Matrix, weights: Matrix) -> float | None:
    """Pearson's r of the weighted composite of the raw scores with the outcome."""
    return pearson(x @ weights, y)


def _mean_r(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def choose_alpha(
    x: Matrix, y: Matrix, alphas: Sequence[float], folds: int, seed: int, fallback: Matrix
) -> float:
    """The penalty whose fits give the highest mean test-fold r in a k-fold cross-validation of (x, y);
    ties go to the larger penalty. A fit with every coefficient 0 is scored with the ``fallback`` weights."""
    splits = kfold(len(y), folds, seed)
    best_alpha, best_r = max(alphas), -np.inf
    for alpha in sorted(alphas, reverse=True):
        scores: list[float | None] = []
        for test in splits:
            train = np.setdiff1d(np.arange(len(y)), test)
            weights = fit_weights(x[train], y[train], alpha)
            scores.append(composite_r(x[test], y[test], weights if weights is not None else fallback))
        mean = _mean_r(scores)
        if mean is not None and mean > best_r + 1e-12:
            best_alpha, best_r = alpha, mean
    return best_alpha


def nested_cv(
    x: Matrix, y: Matrix, current: Matrix, alphas: Sequence[float], folds: int, seed: int
) -> tuple[float, float]:
    """Mean outer-fold test r of the current composite and of the proposed one (alpha chosen by an inner
    cross-validation on the outer training folds, weights fitted there)."""
    current_r: list[float | None] = []
    proposed_r: list[float | None] = []
    for i, test in enumerate(kfold(len(y), folds, seed)):
        train = np.setdiff1d(np.arange(len(y)), test)
        alpha = choose_alpha(x[train], y[train], alphas, folds, seed + 1 + i, current)
        weights = fit_weights(x[train], y[train], alpha)
        current_r.append(composite_r(x[test], y[test], current))
        proposed_r.append(composite_r(x[test], y[test], weights if weights is not None else current))
    paired = [(c, p) for c, p in zip(current_r, proposed_r, strict=True) if c is not None and p is not None]
    if not paired:
        raise ValueError("the outcome does not vary within the cross-validation folds")
    return sum(c for c, _ in paired) / len(paired), sum(p for _, p in paired) / len(paired)


def rounded_weights(ids: list[str], weights: Matrix) -> dict[str, float]:
    """Weights rounded to 4 decimals, the rounding remainder added to the largest so they sum to 1."""
    rounded = [round(float(w), DIGITS) for w in weights]
    largest = int(np.argmax(rounded))
    rounded[largest] = round(rounded[largest] + 1.0 - sum(rounded), DIGITS)
    return dict(zip(ids, rounded, strict=True))


def propose_reweighting(
    profile: JobProfile,
    candidates: list[ScoredCandidate],
    outcomes: list[OutcomeRecord],
    outcome: OutcomeKind,
    *,
    folds: int = 5,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    seed: int = 0,
    min_n: int = 50,
    now: datetime | None = None,
    proposal_id: str | None = None,
) -> ReweightingProposal:
    """Propose competency weights for ``profile``'s version that predict ``outcome`` better.

    Raises ``ValueError`` when fewer than ``min_n`` interviews have every competency scored and the
    outcome, or when the outcome does not vary.
    """
    if folds < 2:
        raise ValueError("re-weighting needs at least 2 folds")
    if not alphas or any(a < 0 for a in alphas):
        raise ValueError("alphas must be a non-empty list of penalties >= 0")
    ids = [c.id for c in profile.competencies]
    x, y, repeated = rows_for(profile, candidates, outcomes, outcome)
    n = len(y)
    if n < max(min_n, 2 * folds):
        raise ValueError(
            f"re-weighting needs at least {max(min_n, 2 * folds)} interviews of {profile.id} v{profile.version} "
            f"with every competency scored and a {outcome} outcome; there are {n}"
        )
    if float(np.std(y)) == 0.0:
        raise ValueError(f"every {outcome} outcome has the same value, so there is nothing to predict")
    normalised = profile.normalised_weights()
    current = np.array([normalised[c] for c in ids])
    cv_current, cv_proposed = nested_cv(x, y, current, alphas, folds, seed)
    alpha = choose_alpha(x, y, alphas, folds, seed, current)
    fitted = fit_weights(x, y, alpha)

    notes = [
        f"Fitted on the {n} interviews with every competency scored and a {outcome} outcome; the "
        "cross-validated correlations are measured among them and not corrected for range restriction.",
        "A proposal for a person to review: accepting it creates a new profile version; the current "
        "version and its scores stay as they are.",
    ]
    if repeated:
        notes.append(
            f"{repeated} interviews have more than one {outcome} outcome; each counts once, with the mean."
        )
    if fitted is None:
        fitted = current
        notes.append(
            "No competency adds to the prediction (every fitted coefficient is 0): the current "
            "weights are kept."
        )
    elif (fitted == 0).any():
        zero = [c for c, w in zip(ids, fitted, strict=True) if w == 0]
        notes.append(f"Weight 0 for {', '.join(zero)}: given the others, they do not add to the prediction.")
    if cv_proposed <= cv_current:
        notes.append("Out of fold, the proposed weights do not predict better than the current ones.")
    return ReweightingProposal(
        proposal_id=proposal_id or f"rw-{uuid.uuid4().hex[:16]}",
        job_id=profile.id,
        job_version=profile.version,
        outcome=outcome,
        n=n,
        folds=folds,
        alpha=float(alpha),
        current_weights=rounded_weights(ids, current),
        proposed_weights=rounded_weights(ids, fitted),
        cv_r_current=round(cv_current, DIGITS),
        cv_r_proposed=round(cv_proposed, DIGITS),
        expected_gain=round(cv_proposed - cv_current, DIGITS),
        created_at=now or utcnow(),
        notes=notes,
    )


def reweighted_profile(profile: JobProfile, proposal: ReweightingProposal, version: int) -> JobProfile:
    """A copy of ``profile`` as ``version`` with the proposal's weights (validated like any profile)."""
    if (proposal.job_id, proposal.job_version) != (profile.id, profile.version):
        raise ValueError(
            f"proposal {proposal.proposal_id} is for {proposal.job_id} v{proposal.job_version}, "
            f"not {profile.id} v{profile.version}"
        )
    ids = [c.id for c in profile.competencies]
    if sorted(proposal.proposed_weights) != sorted(ids):
        raise ValueError(f"proposal {proposal.proposal_id} does not weigh exactly the profile's competencies")
    if version <= profile.version:
        raise ValueError(f"the new version must be above {profile.version}, got {version}")
    document = profile.model_dump()
    document.pop("weights_from", None)  # the base version's provenance is not the new version's
    document["version"] = version
    for competency in document["competencies"]:
        competency["weight"] = proposal.proposed_weights[competency["id"]]
    return JobProfile.model_validate(document)
