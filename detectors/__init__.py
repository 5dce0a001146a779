"""Person detectors: one ``Detector`` protocol, a name registry, public detections, and a per-sequence cache.

- ``Detector``: ``name``, ``settings()``, ``detect(frame_bgr) -> mot.types.Detections``.
- ``get_detector(name, **params)`` / ``available_detectors()``: ``"yolo"`` (``YoloDetector``, ultralytics; the
  ``yolo`` extra) and ``"hog"`` (``HogDetector``, no weights needed).
- ``PublicDetections``: a sequence's ``det/det.txt`` with a documented score threshold and NMS policy.
- ``detect_sequence`` / ``cached_detections``: run a detector over frames; cache the result on disk.
- ``ensure_torchvision_nms``: the CPU ``torchvision::nms`` registration that ultralytics needs on this stack.

Importing the package is cheap: ``YoloDetector``, ``HogDetector`` and ``ensure_torchvision_nms`` are loaded on
first use (PEP 562), and torch, ultralytics and OpenCV only when a detector runs.
"""

from __future__ import annotations

import importlib
from typing import Any

from detectors.base import Detector, as_bgr_frame, available_detectors, get_detector, greedy_nms
from detectors.cache import cached_detections, detect_sequence
from detectors.public import PublicDetections

_LAZY = {
    "HogDetector": "detectors.hog",
    "YoloDetector": "detectors.yolo",
    "ensure_torchvision_nms": "detectors.yolo",
    "default_weights_path": "detectors.yolo",
}

__all__ = [
    "Detector",
    "HogDetector",
    "PublicDetections",
    "YoloDetector",
    "as_bgr_frame",
    "available_detectors",
    "cached_detections",
    "default_weights_path",
    "detect_sequence",
    "ensure_torchvision_nms",
    "get_detector",
    "greedy_nms",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'detectors' has no attribute {name!r}")
