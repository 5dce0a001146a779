"""Box geometry on numpy arrays.

Internally every box is ``xyxy``: ``(x1, y1, x2, y2)`` float64 pixels with ``x2 > x1`` and ``y2 > y1``. The
MOTChallenge ``left, top, width, height`` form appears only at the file boundary (``mot.io``), which calls
``ltwh_to_xyxy`` / ``xyxy_to_ltwh`` here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _as_boxes(boxes: ArrayLike, name: str = "boxes") -> FloatArray:
    array = np.asarray(boxes, dtype=np.float64)
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name}: expected an array of shape (N, 4), got shape {array.shape}")
    return array


def ltwh_to_xyxy(boxes_ltwh: ArrayLike) -> FloatArray:
    """Convert ``(left, top, width, height)`` rows to ``(x1, y1, x2, y2)``.

    Args:
        boxes_ltwh: (N, 4) array.

    Returns:
        (N, 4) float64 array, a new array.

    >>> ltwh_to_xyxy([[10, 20, 5, 8]]).tolist()
    [[10.0, 20.0, 15.0, 28.0]]
    """
    boxes = _as_boxes(boxes_ltwh, "boxes_ltwh").copy()
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def xyxy_to_ltwh(boxes_xyxy: ArrayLike) -> FloatArray:
    """Convert ``(x1, y1, x2, y2)`` rows to ``(left, top, width, height)``; the inverse of ``ltwh_to_xyxy``."""
    boxes = _as_boxes(boxes_xyxy, "boxes_xyxy").copy()
    boxes[:, 2:] -= boxes[:, :2]
    return boxes


def box_centers(boxes_xyxy: ArrayLike) -> FloatArray:
    """(N, 2) centre points of xyxy boxes."""
    boxes = _as_boxes(boxes_xyxy, "boxes_xyxy")
    return 0.5 * (boxes[:, :2] + boxes[:, 2:])


def box_areas(boxes_xyxy: ArrayLike) -> FloatArray:
    """(N,) areas of xyxy boxes (zero for degenerate boxes)."""
    boxes = _as_boxes(boxes_xyxy, "boxes_xyxy")
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def iou_matrix(boxes_a: ArrayLike, boxes_b: ArrayLike) -> FloatArray:
    """Intersection over union between every box of ``boxes_a`` and every box of ``boxes_b``.

    Args:
        boxes_a: (N, 4) xyxy boxes.
        boxes_b: (M, 4) xyxy boxes.

    Returns:
        (N, M) float64 IoU in [0, 1]; 0 where the union is empty.

    >>> iou_matrix([[0, 0, 2, 2]], [[1, 0, 3, 2], [5, 5, 6, 6]]).round(4).tolist()
    [[0.3333, 0.0]]
    """
    a = _as_boxes(boxes_a, "boxes_a")
    b = _as_boxes(boxes_b, "boxes_b")
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(bottom_right - top_left, 0, None)
    intersection = wh[..., 0] * wh[..., 1]
    union = box_areas(a)[:, None] + box_areas(b)[None, :] - intersection
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, intersection / union, 0.0)
    return iou


def paired_intersection(boxes_a: ArrayLike, boxes_b: ArrayLike) -> FloatArray:
    """Intersection area of row i of ``boxes_a`` with row i of ``boxes_b`` (both (N, 4) xyxy); (N,) float64."""
    a = _as_boxes(boxes_a, "boxes_a")
    b = _as_boxes(boxes_b, "boxes_b")
    if a.shape != b.shape:
        raise ValueError(f"expected two arrays of equal shape, got {a.shape} and {b.shape}")
    wh = np.clip(np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0, None)
    return wh[:, 0] * wh[:, 1]


def paired_iou(boxes_a: ArrayLike, boxes_b: ArrayLike) -> FloatArray:
    """IoU of row i of ``boxes_a`` with row i of ``boxes_b`` (both (N, 4) xyxy); (N,) float64."""
    intersection = paired_intersection(boxes_a, boxes_b)
    union = box_areas(boxes_a) + box_areas(boxes_b) - intersection
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, intersection / union, 0.0)
