"""The detector contract, the registry of frame detectors, and the greedy NMS the detectors share.

A frame detector turns one BGR image into person boxes::

    >>> from detectors import get_detector
    >>> detector = get_detector("hog")
    >>> detector.name, sorted(detector.settings())[:2]
    ('hog', ['hit_threshold', 'max_levels'])

Registered names (``available_detectors()``): ``"yolo"`` (``detectors.yolo.YoloDetector``, needs the ``yolo``
extra) and ``"hog"`` (``detectors.hog.HogDetector``, needs no weights). Public detections (``det/det.txt``) are not
computed from frames: they are read by ``detectors.public.PublicDetections``.

Nothing heavy is imported here: a detector's module is imported when ``get_detector`` builds one.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mot.types import Detections

IntArray = NDArray[np.int64]

#: Registered frame detectors: name -> (module, class). Imported only when asked for.
_REGISTRY: dict[str, tuple[str, str]] = {
    "hog": ("detectors.hog", "HogDetector"),
    "yolo": ("detectors.yolo", "YoloDetector"),
}


@runtime_checkable
class Detector(Protocol):
    """Finds people in one frame.

    Attributes:
        name: registry name (``"yolo"``, ``"hog"``); part of the detection cache key.

    A detector that loads a weights file also exposes ``weights_path`` (a ``pathlib.Path``): the detection cache
    (``detectors.cache``) then keys on that file's path, size and modification time as well.
    """

    name: str

    def settings(self) -> dict[str, Any]:
        """Every parameter that changes the output, JSON-able (the detection cache key is built from it)."""
        ...

    def detect(self, frame_bgr: NDArray[np.uint8]) -> Detections:
        """Detect people in one frame.

        Args:
            frame_bgr: (H, W, 3) uint8 image in OpenCV's BGR channel order.

        Returns:
            ``Detections`` with xyxy float64 pixel boxes of the frame and one score per box (higher is more
            confident; the scale depends on the detector); empty when nobody is found.
        """
        ...


def available_detectors() -> list[str]:
    """Names ``get_detector`` accepts, sorted."""
    return sorted(_REGISTRY)


def get_detector(name: str, **params: Any) -> Detector:
    """Build a registered frame detector by name.

    Args:
        name: one of ``available_detectors()``.
        **params: the detector class's constructor arguments (e.g. ``confidence=0.3`` for ``"yolo"``).

    Raises:
        ValueError: an unknown name (the message lists the valid ones), ``"public"`` (not a frame detector), or a
            parameter the detector does not have (the message lists its parameters).
        MissingDependencyError: the detector needs a package that is not installed.
    """
    if name == "public":
        raise ValueError(
            "'public' detections are read from a sequence's det/det.txt, not computed from frames: use "
            f"detectors.PublicDetections; frame detectors are {available_detectors()}"
        )
    if name not in _REGISTRY:
        raise ValueError(f"unknown detector {name!r}; expected one of {available_detectors()}")
    module_name, class_name = _REGISTRY[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    valid = [p for p in inspect.signature(cls).parameters if p != "self"]
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"detector {name!r} has no parameter(s) {unknown}; expected some of {valid}")
    return cls(**params)


def as_bgr_frame(frame_bgr: Any) -> NDArray[np.uint8]:
    """Check that ``frame_bgr`` is an (H, W, 3) uint8 array and return it (not copied).

    Raises:
        ValueError: another shape or dtype, or an empty image.
    """
    frame = np.asarray(frame_bgr)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or frame.size == 0:
        raise ValueError(f"frame_bgr: expected an (H, W, 3) uint8 BGR image, got {frame.dtype} {frame.shape}")
    return frame


def greedy_nms(boxes_xyxy: ArrayLike, scores: ArrayLike, iou_threshold: float, min_neighbors: int = 0) -> IntArray:
    """Greedy non-maximum suppression: keep the best box, drop boxes overlapping it, repeat.

    A box is dropped when its IoU with an already *kept* higher-scored box exceeds ``iou_threshold`` (the classic
    rule, as ``torchvision.ops.nms``); equal scores keep the earlier row first. With ``min_neighbors > 0`` a box
    that would be kept is dropped instead when it suppresses fewer than ``min_neighbors`` boxes (sliding-window
    detectors fire many times around a real person, once on an isolated false alarm).

    Args:
        boxes_xyxy: (N, 4) boxes.
        scores: (N,) scores.
        iou_threshold: IoU above which the lower-scored box is dropped; >= 1 keeps every box.
        min_neighbors: boxes a kept box must suppress.

    Returns:
        (K,) int64 indices of the kept rows, by decreasing score.

    >>> greedy_nms([[0, 0, 10, 10], [1, 0, 11, 10], [20, 0, 30, 10]], [0.5, 0.9, 0.7], 0.5).tolist()
    [1, 2]
    >>> greedy_nms([[0, 0, 10, 10], [1, 0, 11, 10], [20, 0, 30, 10]], [0.5, 0.9, 0.7], 0.5, min_neighbors=1).tolist()
    [1]
    """
    boxes = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    score = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(boxes) != len(score):
        raise ValueError(f"greedy_nms: expected as many scores as boxes, got {len(score)} and {len(boxes)}")
    order = np.argsort(-score, kind="stable")
    if min_neighbors <= 0 and (iou_threshold >= 1.0 or len(order) < 2):
        return order.astype(np.int64)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        width = np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0])
        height = np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1])
        inter = np.clip(width, 0, None) * np.clip(height, 0, None)
        union = areas[best] + areas[rest] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            overlapping = np.where(union > 0, inter / union, 0.0) > iou_threshold
        if overlapping.sum() >= min_neighbors:
            keep.append(best)
        order = rest[~overlapping]
    return np.asarray(keep, dtype=np.int64)
