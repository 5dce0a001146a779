"""Core data types: per-frame detections and whole-sequence tables of boxes.

Conventions (see DEVELOPERS.md): frames are 0-based ints, boxes are ``xyxy`` float64 pixels, everything is a numpy
array. Instances are frozen and their arrays read-only, so a table can be shared between stages without copies.
Construction validates shapes, dtypes and values and raises ``MOTFormatError`` (a ``ValueError``) whose message
says which row is wrong, what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mot.errors import MOTFormatError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def first_invalid_box(boxes_xyxy: FloatArray) -> tuple[int, str] | None:
    """Return ``(row, reason)`` of the first non-finite or empty xyxy box, or None when all are valid."""
    if len(boxes_xyxy) == 0:
        return None
    finite = np.isfinite(boxes_xyxy).all(axis=1)
    positive = (boxes_xyxy[:, 2] > boxes_xyxy[:, 0]) & (boxes_xyxy[:, 3] > boxes_xyxy[:, 1])
    bad = np.flatnonzero(~(finite & positive))
    if len(bad) == 0:
        return None
    row = int(bad[0])
    box = boxes_xyxy[row].tolist()
    if not finite[row]:
        return row, f"expected finite box coordinates, got {box}"
    return row, f"expected a box with x2 > x1 and y2 > y1 (positive width and height), got xyxy {box}"


def _float_column(name: str, values: ArrayLike, length: int | None) -> FloatArray:
    array = np.array(values, dtype=np.float64)  # a copy: never alias the caller's array
    if array.ndim != 1 or (length is not None and len(array) != length):
        expected = "(N,)" if length is None else f"({length},)"
        raise MOTFormatError(f"{name}: expected shape {expected}, got {array.shape}")
    return array


def _int_column(name: str, values: ArrayLike, length: int) -> IntArray:
    raw = np.asarray(values)
    if raw.ndim != 1 or len(raw) != length:
        raise MOTFormatError(f"{name}: expected shape ({length},), got {raw.shape}")
    if raw.dtype.kind == "f":
        non_integral = np.flatnonzero(~np.isfinite(raw) | (raw != np.round(raw)))
        if len(non_integral):
            row = int(non_integral[0])
            raise MOTFormatError(f"{name}: expected integer values, got {float(raw[row])}", line=row)
    elif raw.dtype.kind not in "iub" and length > 0:
        raise MOTFormatError(f"{name}: expected integers, got dtype {raw.dtype}")
    return raw.astype(np.int64)


def _box_array(values: ArrayLike) -> FloatArray:
    boxes = np.array(values, dtype=np.float64)
    if boxes.ndim == 1 and boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise MOTFormatError(f"boxes_xyxy: expected shape (N, 4), got {boxes.shape}")
    invalid = first_invalid_box(boxes)
    if invalid is not None:
        raise MOTFormatError(f"boxes_xyxy: {invalid[1]}", line=invalid[0])
    return boxes


def _check_finite(name: str, values: FloatArray) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise MOTFormatError(f"{name}: expected finite values, got {float(values[bad[0]])}", line=int(bad[0]))


def _freeze(instance: Any) -> None:
    for item in fields(instance):
        value = getattr(instance, item.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


@dataclass(frozen=True, eq=False)
class Detections:
    """Detections of one frame.

    Attributes:
        boxes_xyxy: (N, 4) float64 pixels.
        scores: (N,) float64 detector confidences; any finite value (some detectors emit negative scores).
        class_ids: (N,) int64 class ids, or None when the detector has a single class.
        features: (N, D) float64 appearance features, or None.
    """

    boxes_xyxy: FloatArray
    scores: FloatArray
    class_ids: IntArray | None = None
    features: FloatArray | None = None

    def __post_init__(self) -> None:
        boxes = _box_array(self.boxes_xyxy)
        count = len(boxes)
        scores = _float_column("scores", self.scores, count)
        _check_finite("scores", scores)
        object.__setattr__(self, "boxes_xyxy", boxes)
        object.__setattr__(self, "scores", scores)
        if self.class_ids is not None:
            object.__setattr__(self, "class_ids", _int_column("class_ids", self.class_ids, count))
        if self.features is not None:
            features = np.array(self.features, dtype=np.float64)
            if features.ndim != 2 or features.shape[0] != count:
                raise MOTFormatError(f"features: expected shape ({count}, D), got {features.shape}")
            object.__setattr__(self, "features", features)
        _freeze(self)

    def __len__(self) -> int:
        return len(self.boxes_xyxy)

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        return cls(np.zeros((0, 4)), np.zeros(0))

    def select(self, index: ArrayLike) -> Detections:
        """A new ``Detections`` with the rows chosen by a boolean mask or integer index."""
        return Detections(
            self.boxes_xyxy[index],
            self.scores[index],
            None if self.class_ids is None else self.class_ids[index],
            None if self.features is None else self.features[index],
        )


class _FrameIndexed:
    """Mixin for tables sorted by frame: O(log N) slicing of one frame's rows."""

    frames: IntArray

    def _frame_slice(self, frame: int) -> slice:
        start, stop = np.searchsorted(self.frames, [frame, frame + 1])
        return slice(int(start), int(stop))

    @property
    def frame_range(self) -> tuple[int, int]:
        """``(first, last)`` frame with any row; ``(0, -1)`` for an empty table."""
        if len(self.frames) == 0:
            return 0, -1
        return int(self.frames[0]), int(self.frames[-1])


def _sorted_frames(frames: ArrayLike, count: int, keys: tuple[IntArray, ...] = ()) -> tuple[IntArray, IntArray]:
    """Validate 0-based frames and return them with the stable order that sorts rows by (frame, *keys)."""
    frame_array = _int_column("frames", frames, count)
    negative = np.flatnonzero(frame_array < 0)
    if len(negative):
        row = int(negative[0])
        raise MOTFormatError(f"frames: expected 0-based frame >= 0, got {frame_array[row]}", line=row)
    order = np.lexsort((*reversed(keys), frame_array)) if count else np.zeros(0, dtype=np.int64)
    return frame_array, order


@dataclass(frozen=True, eq=False)
class DetectionTable(_FrameIndexed):
    """All detections of a sequence, sorted by frame (stable within a frame).

    Attributes:
        frames: (N,) int64 0-based frame of each detection.
        boxes_xyxy: (N, 4) float64 pixels.
        scores: (N,) float64 confidences.
        num_frames: number of frames of the sequence (frames may be empty), so ``frames < num_frames``.
    """

    frames: IntArray
    boxes_xyxy: FloatArray
    scores: FloatArray
    num_frames: int

    def __post_init__(self) -> None:
        boxes = _box_array(self.boxes_xyxy)
        count = len(boxes)
        frames, order = _sorted_frames(self.frames, count)
        scores = _float_column("scores", self.scores, count)
        _check_finite("scores", scores)
        _check_frames_below(frames, self.num_frames)
        object.__setattr__(self, "frames", frames[order])
        object.__setattr__(self, "boxes_xyxy", boxes[order])
        object.__setattr__(self, "scores", scores[order])
        object.__setattr__(self, "num_frames", int(self.num_frames))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.frames)

    def at(self, frame: int) -> Detections:
        """The detections of one 0-based frame (empty if none)."""
        rows = self._frame_slice(frame)
        return Detections(self.boxes_xyxy[rows], self.scores[rows])

    def select(self, index: ArrayLike) -> DetectionTable:
        """A new table with the rows chosen by a boolean mask or integer index."""
        return DetectionTable(self.frames[index], self.boxes_xyxy[index], self.scores[index], self.num_frames)

    @classmethod
    def from_frames(cls, per_frame: list[Detections]) -> DetectionTable:
        """Stack a list of per-frame detections (list index = 0-based frame)."""
        frames = np.repeat(np.arange(len(per_frame), dtype=np.int64), [len(d) for d in per_frame])
        boxes = np.concatenate([d.boxes_xyxy for d in per_frame]) if per_frame else np.zeros((0, 4))
        scores = np.concatenate([d.scores for d in per_frame]) if per_frame else np.zeros(0)
        return cls(frames, boxes, scores, len(per_frame))


def _check_frames_below(frames: IntArray, num_frames: int) -> None:
    if isinstance(num_frames, bool) or not float(num_frames).is_integer() or num_frames < 0:
        raise MOTFormatError(f"num_frames: expected an integer >= 0, got {num_frames!r}")
    beyond = np.flatnonzero(frames >= num_frames)
    if len(beyond):
        row = int(beyond[0])
        raise MOTFormatError(
            f"frames: expected 0-based frames below num_frames={num_frames}, got {frames[row]}", line=row
        )


def _check_unique_ids(frames: IntArray, ids: IntArray) -> None:
    """Rows are sorted by (frame, id): equal neighbours are duplicates."""
    if len(frames) < 2:
        return
    same = (frames[1:] == frames[:-1]) & (ids[1:] == ids[:-1])
    duplicates = np.flatnonzero(same)
    if len(duplicates):
        row = int(duplicates[0]) + 1
        raise MOTFormatError(
            f"expected each id at most once per frame, got id {ids[row]} twice in 0-based frame {frames[row]}",
            line=row,
        )


@dataclass(frozen=True, eq=False)
class Tracks(_FrameIndexed):
    """A track table: one row per (frame, track id), sorted by frame then id.

    Attributes:
        frames: (N,) int64 0-based frames.
        track_ids: (N,) int64 identities (any integers; MOT files write them as they are).
        boxes_xyxy: (N, 4) float64 pixels.
        scores: (N,) float64 per-box confidence (1.0 when unknown).
        num_frames: number of frames of the sequence.
    """

    frames: IntArray
    track_ids: IntArray
    boxes_xyxy: FloatArray
    scores: FloatArray
    num_frames: int

    def __post_init__(self) -> None:
        boxes = _box_array(self.boxes_xyxy)
        count = len(boxes)
        ids = _int_column("track_ids", self.track_ids, count)
        frames, order = _sorted_frames(self.frames, count, (ids,))
        scores = _float_column("scores", self.scores, count)
        _check_finite("scores", scores)
        _check_frames_below(frames, self.num_frames)
        frames, ids = frames[order], ids[order]
        _check_unique_ids(frames, ids)
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "track_ids", ids)
        object.__setattr__(self, "boxes_xyxy", boxes[order])
        object.__setattr__(self, "scores", scores[order])
        object.__setattr__(self, "num_frames", int(self.num_frames))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.frames)

    @classmethod
    def empty(cls, num_frames: int) -> Tracks:
        """A table without rows for a sequence of ``num_frames`` frames."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0), num_frames)

    @property
    def unique_ids(self) -> IntArray:
        """Sorted distinct track ids."""
        return np.unique(self.track_ids)

    def at(self, frame: int) -> tuple[IntArray, FloatArray]:
        """``(track_ids, boxes_xyxy)`` of one 0-based frame."""
        rows = self._frame_slice(frame)
        return self.track_ids[rows], self.boxes_xyxy[rows]

    def select(self, index: ArrayLike) -> Tracks:
        """A new table with the rows chosen by a boolean mask or integer index."""
        return Tracks(
            self.frames[index], self.track_ids[index], self.boxes_xyxy[index], self.scores[index], self.num_frames
        )


@dataclass(frozen=True, eq=False)
class GroundTruth(_FrameIndexed):
    """Ground-truth boxes of a sequence with the MOTChallenge annotation flags.

    Attributes:
        frames: (N,) int64 0-based frames.
        track_ids: (N,) int64 identities.
        boxes_xyxy: (N, 4) float64 pixels.
        consider: (N,) bool, the ``conf``/"consider" column: False rows are ignored by the evaluation.
        class_ids: (N,) int64 MOT16+ class (1 pedestrian, 2 person on vehicle, 7 static person, 8 distractor,
            12 reflection, ...); -1 for 2DMOT2015 files, which carry no class.
        visibility: (N,) float64 visible fraction in [0, 1]; NaN where the file does not say.
        num_frames: number of frames of the sequence.
    """

    frames: IntArray
    track_ids: IntArray
    boxes_xyxy: FloatArray
    consider: NDArray[np.bool_]
    class_ids: IntArray
    visibility: FloatArray
    num_frames: int

    def __post_init__(self) -> None:
        boxes = _box_array(self.boxes_xyxy)
        count = len(boxes)
        ids = _int_column("track_ids", self.track_ids, count)
        frames, order = _sorted_frames(self.frames, count, (ids,))
        consider = np.asarray(self.consider, dtype=bool)
        if consider.shape != (count,):
            raise MOTFormatError(f"consider: expected shape ({count},), got {consider.shape}")
        class_ids = _int_column("class_ids", self.class_ids, count)
        visibility = _float_column("visibility", self.visibility, count)
        _check_frames_below(frames, self.num_frames)
        frames, ids = frames[order], ids[order]
        _check_unique_ids(frames, ids)
        for name, value in (
            ("frames", frames),
            ("track_ids", ids),
            ("boxes_xyxy", boxes[order]),
            ("consider", consider[order]),
            ("class_ids", class_ids[order]),
            ("visibility", visibility[order]),
            ("num_frames", int(self.num_frames)),
        ):
            object.__setattr__(self, name, value)
        _freeze(self)

    def __len__(self) -> int:
        return len(self.frames)

    def evaluated(self, pedestrians_only: bool) -> GroundTruth:
        """Rows the MOTChallenge evaluation scores: ``consider`` set (and class 1 when ``pedestrians_only``)."""
        mask = self.consider & (self.class_ids == 1) if pedestrians_only else self.consider
        return GroundTruth(
            self.frames[mask],
            self.track_ids[mask],
            self.boxes_xyxy[mask],
            self.consider[mask],
            self.class_ids[mask],
            self.visibility[mask],
            self.num_frames,
        )

    def as_tracks(self) -> Tracks:
        """The boxes as a track table (scores 1), e.g. to feed an oracle tracker in experiments."""
        return Tracks(self.frames, self.track_ids, self.boxes_xyxy, np.ones(len(self)), self.num_frames)
