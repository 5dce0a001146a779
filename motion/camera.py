"""Camera motion from the tracks themselves, for scenes filmed by a moving camera (no images needed).

When the camera pans, every box in a frame shifts by the same amount, and two people walking side by side can
trade places in image coordinates between two frames: an IoU-based link then swaps their identities. The shared
shift is the median displacement of all linked boxes between consecutive frames. People walk in different
directions, so their own motion drops out of the median while the camera's does not. Pooling the frames of a
short window steadies the estimate where a frame has few links. Its limit: when most people in view walk the same
way, their common walk reads as camera motion (the boxes alone cannot tell a pan from a crowd moving together).

Example (three people, the camera pans 5 px per frame to the right, so boxes move 5 px left):
    >>> import numpy as np
    >>> labels = np.repeat([0, 1, 2], 3)
    >>> frames = np.tile([0, 1, 2], 3)
    >>> start = np.array([[0, 0, 10, 30], [50, 0, 60, 30], [90, 0, 100, 30]], dtype=float)
    >>> boxes = np.repeat(start, 3, axis=0) - np.column_stack([5.0 * frames, 0 * frames] * 2)
    >>> path = estimate_camera_path(labels, frames, boxes, window_frames=1, min_pairs=3)
    >>> path.offsets.tolist()  # (x, y) shift of each frame relative to frame 0
    [[0.0, 0.0], [-5.0, 0.0], [-10.0, 0.0]]
    >>> path.compensate(frames, boxes)[::3].tolist()  # every person stands still in the compensated frame
    [[0.0, 0.0, 10.0, 30.0], [50.0, 0.0, 60.0, 30.0], [90.0, 0.0, 100.0, 30.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mot.boxes import box_centers

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = ["CameraPath", "estimate_camera_path"]


@dataclass(frozen=True)
class CameraPath:
    """Cumulative image shift of frames ``first_frame .. first_frame + len(offsets) - 1``.

    Attributes:
        first_frame: the frame the offsets are relative to (its offset is zero).
        offsets: (F, 2) float64 ``(x, y)`` pixels by which the scene appears shifted in each frame.
    """

    first_frame: int
    offsets: FloatArray

    def at(self, frames: IntArray) -> FloatArray:
        """(N, 2) offsets of the given frames (which must lie in the path's range)."""
        index = np.asarray(frames, dtype=np.int64) - self.first_frame
        if len(index) and (index.min() < 0 or index.max() >= len(self.offsets)):
            raise ValueError(f"frames: expected frames in [{self.first_frame}, "
                             f"{self.first_frame + len(self.offsets) - 1}], got {index.min() + self.first_frame} "
                             f"to {index.max() + self.first_frame}")  # fmt: skip
        return self.offsets[index]

    def compensate(self, frames: IntArray, boxes_xyxy: FloatArray) -> FloatArray:
        """Boxes moved into the coordinates of ``first_frame`` (the camera's motion taken out)."""
        shift = self.at(frames)
        return boxes_xyxy - np.column_stack([shift, shift])


def estimate_camera_path(
    labels: IntArray, frames: IntArray, boxes_xyxy: FloatArray, window_frames: int, min_pairs: int
) -> CameraPath:
    """Estimate the camera's image shift from boxes already grouped into tracklets.

    The shift between frames ``f - 1`` and ``f`` is the median centre displacement of all same-tracklet box pairs
    in consecutive frames within ``window_frames`` of ``f``; it is zero where fewer than ``min_pairs`` pairs are
    that close (the camera is then assumed still).

    Args:
        labels: (N,) tracklet of each box.
        frames: (N,) 0-based frames, any order.
        boxes_xyxy: (N, 4) boxes.
        window_frames: pooling half-width in frames (>= 0).
        min_pairs: fewest pairs that make an estimate (>= 1).

    Returns:
        The path over ``min(frames) .. max(frames)`` (empty for no boxes).
    """
    if window_frames < 0 or min_pairs < 1:
        raise ValueError(f"expected window_frames >= 0 and min_pairs >= 1, got {window_frames} and {min_pairs}")
    if len(frames) == 0:
        return CameraPath(0, np.zeros((0, 2)))
    first, last = int(frames.min()), int(frames.max())
    order = np.lexsort((frames, labels))
    sorted_labels, sorted_frames = labels[order], frames[order]
    centers = box_centers(boxes_xyxy[order])
    consecutive = np.flatnonzero((sorted_labels[1:] == sorted_labels[:-1]) & (np.diff(sorted_frames) == 1))
    pair_frames = sorted_frames[consecutive + 1]
    by_frame = np.argsort(pair_frames, kind="stable")
    pair_frames = pair_frames[by_frame]
    displacements = (centers[consecutive + 1] - centers[consecutive])[by_frame]
    span = np.arange(first, last + 1)
    lows = np.searchsorted(pair_frames, span - window_frames)
    highs = np.searchsorted(pair_frames, span + window_frames, side="right")
    shifts = np.zeros((len(span), 2))
    # One median per frame (not per box): frames are few next to boxes, and windows have different sizes.
    for row in np.flatnonzero(highs - lows >= min_pairs):
        if span[row] > first:
            shifts[row] = np.median(displacements[lows[row] : highs[row]], axis=0)
    return CameraPath(first, np.cumsum(shifts, axis=0))
