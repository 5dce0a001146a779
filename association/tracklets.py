"""Two-level association: tracklets from a multicut over nearby detections, then a lifted multicut over tracklets.

Why two levels (see ``../shared/NOTES-association.md``): single-detection pair features are reliable only over
short gaps, and dense lifted edges between detections dominate the objective (a track of n boxes carries O(n^2)
terms). So level 1 joins detections a few frames apart (base edges, same-frame pairs forbidden) into short,
reliable tracklets; level 2 links tracklets using tracklet-level evidence: constant-velocity extrapolation across
the gap, time overlap (tracklets that coexist are different people: lifted cannot-link), length and mean score.
Lifted edges at level 2 express "same / different person" between tracklets without creating connectivity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from association.costs import GapBucketLogistic
from association.features import (
    OCCLUSION_END_BOXES,
    detection_pair_features,
    log_center_distance,
    tracklet_pair_features,
)
from association.graph import expand_ranges, group_rank, same_frame_pairs, temporal_candidate_pairs
from association.solvers import solve_lifted_multicut
from motion.camera import estimate_camera_path
from motion.linear import end_window_moments, extrapolate_track_ends, fit_end_velocities, joint_line_residuals

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Cost of joining two nodes that cannot be one person (same frame, coexisting tracklets, two final ids).
FORBIDDEN = -1.0e4


@dataclass(frozen=True)
class DetectionGraphParams:
    """Level 1 parameters. Units: seconds, and centre distance in mean box heights.

    ``camera_window_seconds`` > 0 makes level 1 two passes: the first pass's tracklets give the camera's image
    shift (:func:`motion.camera.estimate_camera_path`, pooled over this many seconds either side of each frame,
    from at least ``camera_min_pairs`` links), and the second pass links the boxes with that shift taken out. A
    panning camera otherwise moves everyone by the same amount between frames, and people side by side swap
    identities. 0 disables it (one pass).
    """

    max_gap_seconds: float = 0.07
    max_distance: float = 1.5
    min_iou: float = 0.3
    neighbours: int = 3
    bias: float = 0.5
    solver: str = "gaec"
    camera_window_seconds: float = 0.5
    camera_min_pairs: int = 3

    def __post_init__(self) -> None:
        """Reject camera settings that could only fail later, deep inside a chunk."""
        if not (np.isfinite(self.camera_window_seconds) and self.camera_window_seconds >= 0):
            raise ValueError(f"camera_window_seconds: expected a number >= 0 (0 disables the camera pass), got "
                             f"{self.camera_window_seconds!r}")  # fmt: skip
        if self.camera_min_pairs < 1:
            raise ValueError(f"camera_min_pairs: expected at least 1 link, got {self.camera_min_pairs!r}")


def detection_edges(
    frames: IntArray, times: FloatArray, boxes: FloatArray, scores: FloatArray, frame_rate: float,
    params: DetectionGraphParams,
) -> tuple[IntArray, IntArray, FloatArray]:  # fmt: skip
    """Base-edge candidates of the detection graph with their pair features ``(i, j, features)``."""
    max_frame_gap = max(1, int(round(params.max_gap_seconds * frame_rate)))
    i, j = temporal_candidate_pairs(frames, boxes, max_frame_gap, params.max_distance, params.neighbours)
    features = detection_pair_features(boxes, scores, times, i, j)
    keep = features[:, 0] >= params.min_iou
    return i[keep], j[keep], features[keep]


def build_tracklets(
    frames: IntArray, times: FloatArray, boxes: FloatArray, scores: FloatArray, frame_rate: float,
    model: GapBucketLogistic, params: DetectionGraphParams,
) -> IntArray:  # fmt: skip
    """Level 1: label each detection with a tracklet (multicut over base edges, same-frame pairs forbidden).

    With ``params.camera_window_seconds`` > 0, a second pass links the boxes compensated for the camera motion
    that the first pass's tracklets show (see :class:`DetectionGraphParams`).

    Returns:
        (N,) int64 tracklet labels, consecutive from 0.
    """
    if len(frames) == 0:
        return np.zeros(0, dtype=np.int64)
    same_frame = same_frame_pairs(frames)  # both passes forbid the same pairs
    labels = _detection_multicut(frames, times, boxes, scores, frame_rate, model, params, same_frame)
    if params.camera_window_seconds <= 0:
        return labels
    window = int(round(params.camera_window_seconds * frame_rate))
    camera = estimate_camera_path(labels, frames, boxes, window, params.camera_min_pairs)
    if not camera.offsets.any():
        return labels
    compensated = camera.compensate(frames, boxes)
    return _detection_multicut(frames, times, compensated, scores, frame_rate, model, params, same_frame)


def _detection_multicut(
    frames: IntArray, times: FloatArray, boxes: FloatArray, scores: FloatArray, frame_rate: float,
    model: GapBucketLogistic, params: DetectionGraphParams, same_frame: tuple[IntArray, IntArray],
) -> IntArray:  # fmt: skip
    i, j, features = detection_edges(frames, times, boxes, scores, frame_rate, params)
    costs = model.log_odds(features, features[:, 4]) + params.bias
    si, sj = same_frame
    uv = np.concatenate([np.column_stack([i, j]), np.column_stack([si, sj])]).astype(np.int64)
    all_costs = np.concatenate([costs, np.full(len(si), FORBIDDEN)])
    return solve_lifted_multicut(len(frames), uv, all_costs, solver=params.solver)


@dataclass(frozen=True)
class Tracklets:
    """Per-tracklet summaries used by level 2 (T tracklets).

    Attributes:
        first_frame, last_frame: (T,) int64.
        first_time, last_time: (T,) seconds of the smoothed end points.
        first_box, last_box: (T, 4) xyxy smoothed boxes at the start and end.
        start_velocity, end_velocity: (T, 4) (cx, cy, w, h) per second near each end.
        length: (T,) number of boxes; mean_score: (T,).
        end_moments, start_moments: (T, 8) sums of the centre path near each end
            (``motion.linear.end_window_moments``), for the joint-path features of a link.
        end_occlusion, start_occlusion: (T,) the most any of the last / first ``OCCLUSION_END_BOXES`` boxes is
            covered by another box of its frame (``association.features.occluded_fraction``).
    """

    first_frame: IntArray
    last_frame: IntArray
    first_time: FloatArray
    last_time: FloatArray
    first_box: FloatArray
    last_box: FloatArray
    start_velocity: FloatArray
    end_velocity: FloatArray
    length: FloatArray
    mean_score: FloatArray
    end_moments: FloatArray
    start_moments: FloatArray
    end_occlusion: FloatArray
    start_occlusion: FloatArray

    def __len__(self) -> int:
        return len(self.first_frame)


def summarize_tracklets(
    labels: IntArray, frames: IntArray, times: FloatArray, boxes: FloatArray, scores: FloatArray,
    count: int, window_seconds: float, joint_window_seconds: float, occlusion: FloatArray | None = None,
) -> Tracklets:  # fmt: skip
    """Aggregate detections (labels 0..count-1) into ``Tracklets`` with numpy grouped reductions.

    ``window_seconds``: end-velocity fits; ``joint_window_seconds``: the end windows of the joint-path features;
    ``occlusion``: (N,) ``occluded_fraction`` of each detection (None: no box is occluded).
    """
    length = np.bincount(labels, minlength=count).astype(np.float64)
    first_frame = np.full(count, np.iinfo(np.int64).max)
    last_frame = np.full(count, -1)
    np.minimum.at(first_frame, labels, frames)
    np.maximum.at(last_frame, labels, frames)
    end_velocity, last_time, last_box = fit_end_velocities(labels, times, boxes, count, window_seconds, "end")
    start_velocity, first_time, first_box = fit_end_velocities(labels, times, boxes, count, window_seconds, "start")
    mean_score = np.bincount(labels, weights=scores, minlength=count) / np.maximum(length, 1)
    end_moments = end_window_moments(labels, times, boxes, last_time, joint_window_seconds, "end")
    start_moments = end_window_moments(labels, times, boxes, first_time, joint_window_seconds, "start")
    occlusion = np.zeros(len(labels)) if occlusion is None else occlusion
    order = np.lexsort((frames, labels))
    sorted_labels = labels[order]
    from_start = group_rank(sorted_labels)
    from_end = length.astype(np.int64)[sorted_labels] - 1 - from_start
    end_occlusion, start_occlusion = np.zeros(count), np.zeros(count)
    near_end, near_start = from_end < OCCLUSION_END_BOXES, from_start < OCCLUSION_END_BOXES
    np.maximum.at(end_occlusion, sorted_labels[near_end], occlusion[order][near_end])
    np.maximum.at(start_occlusion, sorted_labels[near_start], occlusion[order][near_start])
    return Tracklets(first_frame, last_frame, first_time, last_time, first_box, last_box, start_velocity,
                     end_velocity, length, mean_score, end_moments, start_moments, end_occlusion,
                     start_occlusion)  # fmt: skip


@dataclass(frozen=True)
class LinkingParams:
    """Level 2 parameters (seconds)."""

    max_link_seconds: float = 2.0
    lifted_seconds: float = 4.0
    lifted_weight: float = 0.3
    bias: float = 1.25
    velocity_window_seconds: float = 0.3
    joint_window_seconds: float = 1.0
    candidates: int = 4
    solver: str = "gaec-kl"


def tracklet_pairs(
    tracklets: Tracklets, max_seconds: float, settled: NDArray[np.bool_] | None = None
) -> tuple[IntArray, IntArray, NDArray[np.bool_]]:  # fmt: skip
    """Pairs (a, b) within ``max_seconds`` of each other; ``coexist`` marks pairs that overlap in frames.

    For non-coexisting pairs, ``a`` ends before ``b`` starts. Pairs of two ``settled`` tracklets (open tracks
    carried from earlier chunks: two of them are different tracks by construction) are left out. The order of
    the pairs is unspecified (the solvers sort edges).

    Only pairs within reach are enumerated (a sweep over start times), so the cost grows with the number of
    tracklets times how many of them fall within ``max_seconds`` of each other, not with its square: a 30 s
    offline chunk of a crowded scene holds thousands of tracklets. Times must increase with frames (as the
    pipeline's ``frame / frame_rate`` do).
    """
    a, b = _pairs_within(tracklets.first_time, tracklets.last_time, max(float(max_seconds), 0.0))
    if settled is not None and settled.any():
        open_pair = ~(settled[a] & settled[b])
        a, b = a[open_pair], b[open_pair]
    coexist = (tracklets.first_frame[a] <= tracklets.last_frame[b]) & (tracklets.first_frame[b] <= tracklets.last_frame[a])
    swap = ~coexist & (tracklets.first_frame[a] > tracklets.last_frame[b])
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    gap = tracklets.first_time[b] - tracklets.last_time[a]
    keep = coexist | (gap <= max_seconds)
    return a[keep].astype(np.int64), b[keep].astype(np.int64), coexist[keep]


def _pairs_within(first_time: FloatArray, last_time: FloatArray, reach: float) -> tuple[IntArray, IntArray]:
    """Index pairs ``a < b`` of intervals whose later start lies at most ``reach`` after the other's end.

    Every pair of overlapping intervals is included (its later start lies before the other's end), and a little
    more, so this is a superset of the pairs that ``tracklet_pairs`` keeps.
    """
    count = len(first_time)
    order = np.argsort(first_time, kind="stable")
    sorted_first = first_time[order]
    position = np.arange(count)
    # interval at sorted position p pairs with the later-starting ones at positions p+1 .. stop-1; the slack keeps
    # pairs whose gap equals the reach (end + reach may round below a start that start - end reaches exactly)
    limit = last_time[order] + reach
    stop = np.searchsorted(sorted_first, limit + 1e-9 * np.maximum(1.0, np.abs(limit)), side="right")
    earlier, later = expand_ranges(position + 1, stop)
    x, y = order[earlier], order[later]
    return np.minimum(x, y).astype(np.int64), np.maximum(x, y).astype(np.int64)


def _extrapolated_ends(tracklets: Tracklets, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(gap, forward, backward)``: a's end box carried to b's start time and b's start box back to a's end."""
    gap = np.maximum(tracklets.first_time[b] - tracklets.last_time[a], 0.0)
    forward = extrapolate_track_ends(tracklets.last_time[a], tracklets.last_box[a], tracklets.end_velocity[a],
                                     tracklets.first_time[b])  # fmt: skip
    backward = extrapolate_track_ends(tracklets.first_time[b], tracklets.first_box[b], tracklets.start_velocity[b],
                                      tracklets.last_time[a])  # fmt: skip
    return gap, forward, backward


def tracklet_link_features(
    tracklets: Tracklets, a: IntArray, b: IntArray, gap: FloatArray, forward: FloatArray, backward: FloatArray
) -> FloatArray:
    """Features of "a continues as b" for pairs where a ends before b starts, given ``_extrapolated_ends``."""
    joint_rms, joint_excess = joint_line_residuals(tracklets.end_moments[a], tracklets.last_time[a],
                                                   tracklets.start_moments[b], tracklets.first_time[b])  # fmt: skip
    return tracklet_pair_features(
        gap, forward, tracklets.first_box[b], backward, tracklets.last_box[a],
        tracklets.length[a], tracklets.length[b], tracklets.mean_score[a], tracklets.mean_score[b],
        joint_rms, joint_excess,
    )  # fmt: skip


def link_candidates(
    tracklets: Tracklets, params: LinkingParams, settled: NDArray[np.bool_] | None = None
) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray]:  # fmt: skip
    """Candidate links and coexisting pairs.

    A pair (a before b) is a candidate when b is among the ``params.candidates`` nearest successors of a, or a
    among the nearest predecessors of b (by predicted distance, then gap). Far-fetched pairs are left out, so the
    model is fitted and used on the same kind of pairs. Pairs of two ``settled`` tracklets are not considered
    (see ``tracklet_pairs``).

    Returns:
        ``(a, b, features, coexist_a, coexist_b)``.
    """
    a, b, coexist = tracklet_pairs(tracklets, params.lifted_seconds, settled)
    la, lb = a[~coexist], b[~coexist]
    # Rank every pair by predicted distance first; the full features are computed only for the kept candidates.
    gap, forward, backward = _extrapolated_ends(tracklets, la, lb)
    closeness = np.minimum(log_center_distance(forward, tracklets.first_box[lb]),
                           log_center_distance(backward, tracklets.last_box[la]))  # fmt: skip
    ranks = np.zeros((len(la), 2))
    for column, key in enumerate((la, lb)):
        order = np.lexsort((gap, closeness, key))
        ranks[order, column] = group_rank(key[order])
    keep = ranks.min(axis=1) < params.candidates
    la, lb = la[keep], lb[keep]
    # Context: how b ranks among a's possible successors and a among b's possible predecessors (a ratio test:
    # the nearest of several close candidates is much more likely the same person than its rivals). And whether a
    # ended and b started behind someone else (a gap explained by an occlusion).
    link_features = tracklet_link_features(tracklets, la, lb, gap[keep], forward[keep], backward[keep])
    features = np.column_stack([link_features, np.minimum(ranks[keep], params.candidates),
                                tracklets.end_occlusion[la], tracklets.start_occlusion[lb]])  # fmt: skip
    return la, lb, features, a[coexist], b[coexist]


def link_tracklets(
    tracklets: Tracklets, fixed_ids: IntArray, model: GapBucketLogistic, params: LinkingParams
) -> IntArray:
    """Level 2: cluster tracklets into tracks with a lifted multicut.

    Base edges: candidate links within ``max_link_seconds``. Lifted edges: coexisting tracklets (cannot-link),
    candidate links beyond ``max_link_seconds`` (down-weighted by ``lifted_weight``), and two different fixed
    identities (cannot-link).

    Args:
        tracklets: T tracklets.
        fixed_ids: (T,) final identity of tracklets carried from earlier decisions (one tracklet per identity: the
            tails of open tracks), -1 for new ones. Two of them are never linked (a cannot-link edge), and their
            pairs are not costed as candidates: online, most tracklets of a chunk are such tails.
        model: the tracklet-level cost model.
        params: linking parameters.

    Returns:
        (T,) cluster labels.

    Raises:
        ValueError: two tracklets share a fixed identity.
    """
    count = len(tracklets)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    fixed = fixed_ids >= 0
    identities, counts = np.unique(fixed_ids[fixed], return_counts=True)
    if (counts > 1).any():
        raise ValueError("fixed_ids: expected each fixed identity on one tracklet (an open track's tail), got "
                         f"identities {identities[counts > 1].tolist()} on several tracklets")  # fmt: skip
    la, lb, features, ca, cb = link_candidates(tracklets, params, settled=fixed)
    costs = model.log_odds(features, features[:, 0]) + params.bias
    is_base = features[:, 0] <= params.max_link_seconds
    fa, fb = np.nonzero(np.triu(fixed[:, None] & fixed[None, :] & (fixed_ids[:, None] != fixed_ids[None, :]), k=1))
    lifted_uv = np.concatenate([
        np.column_stack([ca, cb]), np.column_stack([la[~is_base], lb[~is_base]]), np.column_stack([fa, fb]),
    ]).astype(np.int64)  # fmt: skip
    lifted_costs = np.concatenate([
        np.full(len(ca), FORBIDDEN), params.lifted_weight * costs[~is_base], np.full(len(fa), FORBIDDEN),
    ])  # fmt: skip
    base_uv = np.column_stack([la[is_base], lb[is_base]]).astype(np.int64)
    return solve_lifted_multicut(count, base_uv, costs[is_base], lifted_uv, lifted_costs, solver=params.solver)
