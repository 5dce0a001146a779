"""Edge costs: calibrated log-odds that two nodes (detections or tracklets) show the same person.

A ``GapBucketLogistic`` is one L2-regularised logistic regression per time-gap bucket in seconds (frame rates
differ from 7 to 30 fps, and how far evidence reaches depends on time, not frames). Its log-odds are the multicut
edge costs directly (``association.solvers`` convention: positive = join). A ``CostModel`` bundles the
detection-level model (base edges between nearby detections) and the tracklet-level model (links between
tracklets), is fitted by ``scripts/fit_cost_model.py`` and shipped as JSON beside this module.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from mot.errors import MOTError

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_cost_model.json")


@dataclass(frozen=True)
class GapBucketLogistic:
    """Logistic regressions over standardised features, one per gap bucket.

    Attributes:
        feature_names: column names of the feature matrix.
        bucket_edges: (B + 1,) increasing gap edges in seconds; bucket b holds gaps in (edges[b], edges[b+1]];
            gaps beyond the last edge use the last bucket.
        weights: (B, F + 1) coefficients, intercept last.
        means, scales: (B, F) feature standardisation.
    """

    feature_names: tuple[str, ...]
    bucket_edges: FloatArray
    weights: FloatArray
    means: FloatArray
    scales: FloatArray

    def bucket_of(self, gaps: FloatArray) -> NDArray[np.int64]:
        """Bucket index of each gap (seconds)."""
        bucket = np.searchsorted(self.bucket_edges, gaps, side="left") - 1
        return np.clip(bucket, 0, len(self.weights) - 1)

    def log_odds(self, features: FloatArray, gaps: FloatArray) -> FloatArray:
        """(E,) log-odds of "same person" for (E, F) features and (E,) gaps in seconds."""
        if features.ndim != 2 or features.shape[1] != len(self.feature_names):
            raise ValueError(f"features: expected shape (E, {len(self.feature_names)}), got {features.shape}")
        bucket = self.bucket_of(gaps)
        standard = (features - self.means[bucket]) / self.scales[bucket]
        weights = self.weights[bucket]
        return np.einsum("ef,ef->e", standard, weights[:, :-1]) + weights[:, -1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "feature_names": list(self.feature_names),
            "bucket_edges": self.bucket_edges.tolist(),
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GapBucketLogistic:
        """Inverse of ``to_dict``."""
        return cls(
            tuple(data["feature_names"]),
            np.asarray(data["bucket_edges"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            np.asarray(data["means"], dtype=np.float64),
            np.asarray(data["scales"], dtype=np.float64),
        )


def fit_logistic(features: FloatArray, labels: NDArray[np.bool_], l2: float = 1.0) -> FloatArray:
    """Weights (F + 1,) of an L2-regularised logistic regression on already standardised features (intercept last,
    not regularised). Uses L-BFGS on the mean log-loss; unweighted so that probabilities stay calibrated."""
    design = np.column_stack([features, np.ones(len(features))])
    target = labels.astype(np.float64)
    count = max(len(target), 1)

    def loss_and_gradient(w: FloatArray) -> tuple[float, FloatArray]:
        z = design @ w
        loss = -(target * log_expit(z) + (1 - target) * log_expit(-z)).sum() / count
        penalty = 0.5 * l2 * np.dot(w[:-1], w[:-1]) / count
        gradient = design.T @ (expit(z) - target) / count
        gradient[:-1] += l2 * w[:-1] / count
        return loss + penalty, gradient

    result = minimize(loss_and_gradient, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B")
    return result.x


def fit_gap_bucket_logistic(
    features: FloatArray,
    gaps: FloatArray,
    labels: NDArray[np.bool_],
    feature_names: tuple[str, ...],
    bucket_edges: FloatArray,
    l2: float = 1.0,
    min_samples: int = 50,
) -> GapBucketLogistic:
    """Fit one logistic regression per gap bucket; a bucket with too few samples of either class borrows the
    previous bucket's model (or a pooled fit when it is the first)."""
    bucket_edges = np.asarray(bucket_edges, dtype=np.float64)
    buckets = len(bucket_edges) - 1
    template = GapBucketLogistic(feature_names, bucket_edges, np.zeros((buckets, 1)), np.zeros((buckets, 1)),
                                 np.ones((buckets, 1)))  # fmt: skip
    bucket = template.bucket_of(gaps)
    feature_count = features.shape[1]
    weights = np.zeros((buckets, feature_count + 1))
    means = np.zeros((buckets, feature_count))
    scales = np.ones((buckets, feature_count))

    def fit(mask: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray, FloatArray]:
        mean = features[mask].mean(axis=0)
        scale = features[mask].std(axis=0)
        scale[scale < 1e-9] = 1.0
        return fit_logistic((features[mask] - mean) / scale, labels[mask], l2), mean, scale

    pooled = fit(np.ones(len(labels), dtype=bool)) if len(labels) else (weights[0], means[0], scales[0])
    previous = pooled
    for b in range(buckets):
        mask = bucket == b
        positives = int(labels[mask].sum())
        if positives >= min_samples and int(mask.sum()) - positives >= min_samples:
            previous = fit(mask)
        else:
            logger.info("gap bucket %d has %d samples (%d same): using the neighbouring model", b, mask.sum(), positives)
        weights[b], means[b], scales[b] = previous
    return GapBucketLogistic(tuple(feature_names), bucket_edges, weights, means, scales)


@dataclass(frozen=True)
class CostModel:
    """Detection-level and tracklet-level edge cost models with the facts of how they were fitted."""

    detection: GapBucketLogistic
    tracklet: GapBucketLogistic
    card: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        """Write the model (and its card) as JSON, atomically."""
        from mot.io import write_text_atomically

        data = {"card": self.card, "detection": self.detection.to_dict(), "tracklet": self.tracklet.to_dict()}
        return write_text_atomically(path, json.dumps(data, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path | None = None) -> CostModel:
        """Load a model saved by ``save``; default: the shipped model fitted on every sequence with gt."""
        path = Path(path) if path is not None else DEFAULT_MODEL_PATH
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                GapBucketLogistic.from_dict(data["detection"]),
                GapBucketLogistic.from_dict(data["tracklet"]),
                data.get("card", {}),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise MOTError(f"{path}: expected a cost model JSON written by CostModel.save, got: {error}") from error
