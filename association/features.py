"""Pair features for edge costs, computed for many pairs at once.

Each feature group is a function ``(pairs...) -> (E, F) float64`` with named columns, so cost models can combine
groups (geometry and motion now; appearance from the similarity CNN in a later issue) without changing callers.
Distances are in units of box height, times in seconds, so features transfer across resolutions and frame rates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from association.graph import expand_ranges, same_frame_pairs
from mot.boxes import box_areas, box_centers, paired_intersection, paired_iou

FloatArray = NDArray[np.float64]

DETECTION_FEATURES = ("iou", "log_center_distance", "log_height_ratio", "log_width_ratio", "gap_seconds", "min_score")


def _heights(boxes: FloatArray) -> FloatArray:
    return boxes[:, 3] - boxes[:, 1]


#: Distances enter the models on a log scale: they are heavy-tailed (far pairs at tens of heights), and a linear
#: logistic model on raw distances is dominated by the tail instead of the decision boundary near 0.1-1 heights.
DISTANCE_FLOOR = 0.02
#: Floor of the joint-path residuals over box height (log units), as for distances.
JOINT_RESIDUAL_FLOOR = 0.02


def log_center_distance(boxes_a: FloatArray, boxes_b: FloatArray) -> FloatArray:
    """(E,): log(centre distance / mean box height + floor) of paired boxes."""
    distance = np.linalg.norm(box_centers(boxes_a) - box_centers(boxes_b), axis=1)
    return np.log(distance / (0.5 * (_heights(boxes_a) + _heights(boxes_b))) + DISTANCE_FLOOR)


def box_pair_geometry(boxes_a: FloatArray, boxes_b: FloatArray) -> FloatArray:
    """(E, 4): IoU, log(centre distance / mean height + floor), |log height ratio|, |log width ratio|."""
    heights_a, heights_b = _heights(boxes_a), _heights(boxes_b)
    widths_a, widths_b = boxes_a[:, 2] - boxes_a[:, 0], boxes_b[:, 2] - boxes_b[:, 0]
    return np.column_stack([
        paired_iou(boxes_a, boxes_b),
        log_center_distance(boxes_a, boxes_b),
        np.abs(np.log(heights_b / heights_a)),
        np.abs(np.log(widths_b / widths_a)),
    ])  # fmt: skip


def detection_pair_features(
    boxes_xyxy: FloatArray, scores: FloatArray, times: FloatArray, i: NDArray[np.int64], j: NDArray[np.int64]
) -> FloatArray:
    """Features of detection pairs ``(i, j)``: columns ``DETECTION_FEATURES``.

    Args:
        boxes_xyxy: (N, 4) detection boxes.
        scores: (N,) detector scores.
        times: (N,) seconds.
        i, j: (E,) index pairs.
    """
    return np.column_stack([
        box_pair_geometry(boxes_xyxy[i], boxes_xyxy[j]),
        np.abs(times[j] - times[i]),
        np.minimum(scores[i], scores[j]),
    ])  # fmt: skip


TRACKLET_FEATURES = (
    "gap_seconds",
    "log_static_distance",
    "log_forward_distance",
    "log_backward_distance",
    "predicted_iou",
    "log_height_ratio",
    "log_min_length",
    "min_mean_score",
    "log_joint_rms",
    "log_joint_excess",
    "successor_rank",
    "predecessor_rank",
    "end_occlusion",
    "start_occlusion",
)

#: How many boxes at each end of a tracklet its end/start occlusion looks at (a person usually fades behind
#: another over a few frames, and the last box before the gap may already be mostly hidden or missing).
OCCLUSION_END_BOXES = 3


def occluded_fraction(frames: NDArray[np.int64], boxes_xyxy: FloatArray) -> FloatArray:
    """(N,): the largest fraction of each box's area covered by one other box of the same frame.

    A track that ends while covered by someone else most likely went behind them and comes back (the gap is an
    occlusion), while one that ends in the open more likely left or was a false track. ``frames`` in any order;
    every box of a frame must be present for the value to mean anything.
    """
    cover = np.zeros(len(frames))
    if len(frames) == 0:
        return cover
    order = np.argsort(frames, kind="stable")
    i, j = same_frame_pairs(frames[order])
    i, j = order[i], order[j]
    intersection = paired_intersection(boxes_xyxy[i], boxes_xyxy[j])
    area = np.maximum(box_areas(boxes_xyxy), np.finfo(np.float64).tiny)
    np.maximum.at(cover, i, intersection / area[i])
    np.maximum.at(cover, j, intersection / area[j])
    return cover


def covered_fraction(
    query_frames: NDArray[np.int64], query_boxes: FloatArray, frames: NDArray[np.int64], boxes_xyxy: FloatArray
) -> FloatArray:  # fmt: skip
    """(Q,): the largest fraction of each query box's area covered by one of the boxes of its frame.

    Where a track's gap is spent behind someone, the path it is filled with is covered by that person's box;
    where it is spent in the open, it is not. ``frames`` must be sorted; query frames in any order.
    """
    cover = np.zeros(len(query_frames))
    if len(query_frames) == 0 or len(frames) == 0:
        return cover
    query, other = expand_ranges(np.searchsorted(frames, query_frames, side="left"),
                                 np.searchsorted(frames, query_frames, side="right"))  # fmt: skip
    intersection = paired_intersection(query_boxes[query], boxes_xyxy[other])
    area = np.maximum(box_areas(query_boxes), np.finfo(np.float64).tiny)
    np.maximum.at(cover, query, intersection / area[query])
    return cover


def tracklet_pair_features(
    gap_seconds: FloatArray,
    forward_predicted: FloatArray,
    first_boxes_b: FloatArray,
    backward_predicted: FloatArray,
    last_boxes_a: FloatArray,
    lengths_a: FloatArray,
    lengths_b: FloatArray,
    mean_scores_a: FloatArray,
    mean_scores_b: FloatArray,
    joint_rms: FloatArray,
    joint_excess: FloatArray,
) -> FloatArray:
    """Features of tracklet pairs (a ends before b starts): columns ``TRACKLET_FEATURES``.

    Also the motion-free distance between a's last and b's first box.
    ``forward_predicted`` is a's box extrapolated to b's first time; ``backward_predicted`` is b's box extrapolated
    back to a's last time. Distances are log(centre distance over mean box height + floor). ``joint_rms`` and
    ``joint_excess`` (pixels, from ``motion.linear.joint_line_residuals``) say how well one constant-velocity path
    explains a's tail and b's head together; they are taken in log units of the mean end-box height too.
    """
    forward = box_pair_geometry(forward_predicted, first_boxes_b)
    backward = box_pair_geometry(backward_predicted, last_boxes_a)
    static = box_pair_geometry(last_boxes_a, first_boxes_b)
    height = 0.5 * (_heights(last_boxes_a) + _heights(first_boxes_b))
    # Short tracklets have noisy velocities: the motion-free distance lets the model fall back on proximity.
    return np.column_stack([
        gap_seconds,
        static[:, 1],
        forward[:, 1],
        backward[:, 1],
        0.5 * (forward[:, 0] + backward[:, 0]),
        np.abs(np.log(_heights(first_boxes_b) / _heights(last_boxes_a))),
        np.log(np.minimum(lengths_a, lengths_b)),
        np.minimum(mean_scores_a, mean_scores_b),
        np.log(joint_rms / height + JOINT_RESIDUAL_FLOOR),
        np.log(joint_excess / height + JOINT_RESIDUAL_FLOOR),
    ])  # fmt: skip
