"""Re-acquisition: the hand-off of lost tracks, and the follower protocol single-object trackers will implement.

A person the detector stops finding (occlusion, motion blur, a pose it misses) leaves an *open* track with no new
detection. The association can re-link that track only while the gap is short (``LinkingParams.max_link_seconds``);
after that the person comes back under a new identity. A single-object tracker (Siamese or correlation-filter
family) can follow the person through the frames for a bounded time, so the identity survives.

Where lost tracks are handed over: :class:`mot.api.StreamingTracker` reports them with every decision in
``StreamUpdate.lost``, one :class:`LostTrack` per open track that was not detected in the newest decided frame.
A follower (:class:`Follower`) is started on a lost track's last box in the frame it was last seen in, then
stepped frame by frame; its boxes are meant to come back to the tracker as extra evidence for the track. The
followers themselves and that feedback are a later issue: this module fixes the two types they plug into.

Conventions: 0-based frames, boxes ``xyxy`` float64 pixels, frames as ``(H, W, 3)`` uint8 BGR arrays (OpenCV's
order, what :mod:`mot.sources` yields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class LostTrack:
    """An open track whose person was not detected in the newest decided frame.

    Attributes:
        track_id: its final identity (>= 1).
        recent_frames: (n,) 0-based frames of its latest detections (the last
            ``LinkingParams.joint_window_seconds``), increasing, n >= 1; with ``recent_boxes`` they give a motion
            model the velocity to search along.
        recent_boxes: (n, 4) their boxes.
        relink_until_frame: the last frame in which a new detection can still be linked to the track by the
            association alone (``last_frame`` plus ``LinkingParams.max_link_seconds``); after it, only a follower
            can keep the identity.
    """

    track_id: int
    recent_frames: IntArray
    recent_boxes: FloatArray
    relink_until_frame: int

    @property
    def last_frame(self) -> int:
        """0-based frame of its latest detection."""
        return int(self.recent_frames[-1])

    @property
    def last_box_xyxy(self) -> FloatArray:
        """(4,) that detection's box, where a follower starts."""
        return self.recent_boxes[-1]


@runtime_checkable
class Follower(Protocol):
    """Follows ONE person through frames, starting from a known box (a single-object tracker).

    One instance per followed person; it keeps its own state (template, filter) between calls.

    Attributes:
        name: the follower's name, for logs and configs.
    """

    name: str

    def start(self, frame: NDArray[np.uint8], box_xyxy: FloatArray) -> None:
        """Begin following the person inside ``box_xyxy`` (xyxy pixels) in ``frame`` ((H, W, 3) uint8 BGR)."""
        ...

    def step(self, frame: NDArray[np.uint8]) -> tuple[FloatArray, float]:
        """Where the person is in the next frame: ``(box_xyxy (4,), confidence in [0, 1])``.

        A confidence near 0 means the follower lost the person too; the caller stops it (following is bounded).
        """
        ...
