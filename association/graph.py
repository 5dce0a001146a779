"""Candidate edges of the detection graph, built without per-detection Python loops.

Detections are given as a frame-sorted table (0-based ``frames``). Edges are index pairs ``(i, j)`` with
``frames[i] < frames[j]`` (temporal edges) or equal frames (same-frame pairs, which can never share a track).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mot.boxes import box_centers, iou_matrix  # noqa: F401  (iou_matrix re-exported for callers)

IntArray = NDArray[np.int64]


def _frame_starts(frames: IntArray, num_frames: int) -> IntArray:
    """Start row of each frame in a frame-sorted array (length ``num_frames + 1``)."""
    return np.searchsorted(frames, np.arange(num_frames + 1)).astype(np.int64)


def expand_ranges(low: IntArray, high: IntArray) -> tuple[IntArray, IntArray]:
    """Every index of the ranges ``[low[k], high[k])``, with the range ``k`` it comes from (empty ranges give none).

    The vectorised form of ``for k: for index in range(low[k], high[k])``, used wherever each row pairs with a
    run of other rows (a frame's boxes, later-starting tracklets, the frames of a gap).

    Returns:
        ``(owner, index)``: two (sum of range lengths,) int64 arrays, in range order, increasing within a range.
    """
    low = np.asarray(low, dtype=np.int64)
    counts = np.clip(np.asarray(high, dtype=np.int64) - low, 0, None)
    owner = np.repeat(np.arange(len(low), dtype=np.int64), counts)
    within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, low[owner] + within


def pairs_at_frame_offset(frames: IntArray, offset: int) -> tuple[IntArray, IntArray]:
    """All ``(i, j)`` with ``frames[j] - frames[i] == offset`` (``offset >= 0``; for 0, only ``i < j``).

    Args:
        frames: (N,) sorted 0-based frames.
        offset: frame difference.

    Returns:
        Two (E,) int64 index arrays.
    """
    if len(frames) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if offset < 0:
        raise ValueError(f"offset: expected >= 0, got {offset}")
    if np.any(np.diff(frames) < 0):
        raise ValueError("frames: expected frames sorted in increasing order, got unsorted frames")
    first = int(frames[0])
    local = frames - first
    starts = _frame_starts(local, int(local[-1]) + offset + 2)
    target = local + offset
    lo, hi = starts[target], starts[target + 1]
    if offset == 0:
        lo = np.arange(len(frames)) + 1  # only later rows of the same frame
    return expand_ranges(lo, hi)


def temporal_candidate_pairs(
    frames: IntArray,
    boxes_xyxy: NDArray[np.float64],
    max_frame_gap: int,
    max_distance: float,
    neighbours: int,
) -> tuple[IntArray, IntArray]:
    """Base-edge candidates: pairs up to ``max_frame_gap`` frames apart, gated and thinned to k nearest.

    A pair is kept when the centre distance divided by the mean box height is below ``max_distance`` and, for
    each later detection ``j`` and each frame gap, it is among the ``neighbours`` nearest earlier detections.

    Returns:
        ``(i, j)`` int64 arrays with ``frames[i] < frames[j]``, sorted by ``j`` then gap then distance.
    """
    if max_frame_gap < 1:
        raise ValueError(f"max_frame_gap: expected at least 1 frame, got {max_frame_gap}")
    centers = box_centers(boxes_xyxy) if len(boxes_xyxy) else np.zeros((0, 2))
    heights = boxes_xyxy[:, 3] - boxes_xyxy[:, 1] if len(boxes_xyxy) else np.zeros(0)
    parts_i, parts_j, parts_d, parts_g = [], [], [], []
    for gap in range(1, max_frame_gap + 1):
        i, j = pairs_at_frame_offset(frames, gap)
        distance = np.linalg.norm(centers[i] - centers[j], axis=1) / (0.5 * (heights[i] + heights[j]))
        keep = distance < max_distance
        parts_i.append(i[keep]), parts_j.append(j[keep]), parts_d.append(distance[keep])
        parts_g.append(np.full(int(keep.sum()), gap, dtype=np.int64))
    i, j = np.concatenate(parts_i), np.concatenate(parts_j)
    distance, gap = np.concatenate(parts_d), np.concatenate(parts_g)
    order = np.lexsort((distance, gap, j))
    i, j, gap = i[order], j[order], gap[order]
    rank = group_rank(j * (max_frame_gap + 1) + gap)
    keep = rank < neighbours
    return i[keep], j[keep]


def group_rank(keys: IntArray) -> IntArray:
    """Rank of each element within its run of equal consecutive ``keys`` (0 for the first of each run)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    new_group = np.r_[True, keys[1:] != keys[:-1]]
    group_start = np.flatnonzero(new_group)
    run_index = np.cumsum(new_group) - 1
    return np.arange(len(keys), dtype=np.int64) - group_start[run_index]


def same_frame_pairs(frames: IntArray) -> tuple[IntArray, IntArray]:
    """All pairs of detections in the same frame (they can never belong to one track)."""
    return pairs_at_frame_offset(frames, 0)
