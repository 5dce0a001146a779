"""Public detections: the boxes a benchmark ships with each sequence (``det/det.txt``).

Policy (score threshold and NMS)
--------------------------------
By default every published box is kept as it is (``min_score=-inf``, ``nms_iou=1.0``): no threshold, no NMS.
The tracker applies its own, chosen on training sequences (``mot.pipeline.TrackerConfig.min_score``, default no
threshold, and ``nms_iou``, default 0.5 "fast NMS"); filtering here as well would filter twice with different
rules. Set ``min_score`` and/or ``nms_iou`` when the detections are used without our tracker (the detector
benchmark, another tracker): boxes scored below ``min_score`` are dropped first, then per frame a greedy NMS
(``detectors.base.greedy_nms``) drops every box whose IoU with a kept higher-scored box exceeds ``nms_iou``.

Scores are the file's 7th column as published (MOT15 Faster R-CNN: 0.5..1; other detectors use other scales,
some negative), so a useful ``min_score`` depends on the detector that made the file.

    >>> from detectors import PublicDetections
    >>> public = PublicDetections("../shared/data/MOT15/train/PETS09-S2L1", min_score=0.6)  # doctest: +SKIP
    >>> table = public.table()  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from detectors.base import greedy_nms
from mot.io import MOTSequence, read_detections
from mot.types import Detections, DetectionTable


class PublicDetections:
    """A sequence's published detections with a documented score threshold and NMS (see the module docstring).

    Args:
        source: a MOTChallenge sequence folder (its ``det/det.txt`` and ``seqinfo.ini`` length are used), a
            ``MOTSequence``, or a ``det.txt`` file (then the table ends at the last frame with a detection unless
            ``num_frames`` is given).
        min_score: boxes with a lower score are dropped; ``-inf`` (default) keeps all.
        nms_iou: per-frame greedy NMS IoU threshold; ``1.0`` (default) disables NMS.
        num_frames: sequence length for a bare ``det.txt`` (ignored for a sequence, which knows its length).

    Raises:
        ValueError: ``nms_iou`` outside (0, 1] or ``min_score`` NaN.
        MOTFormatError: a missing or malformed file (raised by ``table()``, which reads the file).
    """

    name: ClassVar[str] = "public"

    def __init__(
        self,
        source: str | Path | MOTSequence,
        min_score: float = -math.inf,
        nms_iou: float = 1.0,
        num_frames: int | None = None,
    ) -> None:
        if not 0.0 < nms_iou <= 1.0:
            raise ValueError(f"nms_iou: expected an IoU in (0, 1] (1 disables NMS), got {nms_iou!r}")
        if math.isnan(min_score):
            raise ValueError("min_score: expected a number or -inf, got NaN")
        if isinstance(source, MOTSequence):
            self.path = source.path / "det" / "det.txt"
            self.num_frames: int | None = source.info.num_frames
        else:
            path = Path(source)
            if path.is_dir():
                self.path = path / "det" / "det.txt"
                self.num_frames = MOTSequence(path).info.num_frames
            else:
                self.path = path
                self.num_frames = num_frames
        self.min_score = float(min_score)
        self.nms_iou = float(nms_iou)
        self._table: DetectionTable | None = None

    def __repr__(self) -> str:
        return f"PublicDetections({str(self.path)!r}, min_score={self.min_score}, nms_iou={self.nms_iou})"

    def settings(self) -> dict[str, Any]:
        """The policy, JSON-able (``-inf`` is written as the string ``"-inf"``)."""
        return {
            "path": str(self.path),
            "min_score": "-inf" if self.min_score == -math.inf else self.min_score,
            "nms_iou": self.nms_iou,
        }

    def table(self) -> DetectionTable:
        """All frames' detections after the score threshold and NMS (read once, then kept)."""
        if self._table is None:
            self._table = apply_policy(read_detections(self.path, self.num_frames), self.min_score, self.nms_iou)
        return self._table

    def at(self, frame: int) -> Detections:
        """The detections of one 0-based frame."""
        return self.table().at(frame)


def apply_policy(detections: DetectionTable, min_score: float, nms_iou: float) -> DetectionTable:
    """Drop boxes scored below ``min_score``, then apply greedy NMS at ``nms_iou`` within each frame.

    >>> import numpy as np
    >>> table = DetectionTable(np.array([0, 0, 0]), np.array([[0, 0, 10, 20], [1, 0, 11, 20], [50, 0, 60, 20.]]),
    ...                        np.array([0.9, 0.8, 0.3]), num_frames=1)
    >>> apply_policy(table, min_score=0.5, nms_iou=0.5).scores.tolist()
    [0.9]
    """
    kept = detections.select(detections.scores >= min_score) if min_score > -math.inf else detections
    if nms_iou >= 1.0 or len(kept) == 0:
        return kept
    starts = np.flatnonzero(np.r_[True, kept.frames[1:] != kept.frames[:-1], True])
    rows = [
        start + greedy_nms(kept.boxes_xyxy[start:stop], kept.scores[start:stop], nms_iou)
        for start, stop in zip(starts[:-1], starts[1:])
    ]
    return kept.select(np.sort(np.concatenate(rows)))
