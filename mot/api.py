"""The Python API: a streaming tracker for live frames, and one call that tracks a whole source.

Streaming (surveillance integration)::

    from mot.api import StreamingTracker
    tracker = StreamingTracker(frame_rate=25.0)               # latency: 2 s (TrackerConfig.online_latency_seconds)
    for frame, detections in camera:                           # detections: mot.types.Detections, or pass a detector
        update = tracker.update(frame, detections)
        for obj in update.provisional:   # this frame; ids may still change until decided
            ...
        for obj in update.final:         # frames whose identities were just decided: ids never change again
            ...
        for lost in update.lost:         # open tracks the detector lost (reid.LostTrack): hand them to a follower
            ...
    last = tracker.finish()                                    # decide the frames still buffered

Identities are decided by the lifted multicut: each decision fixes the oldest ``latency - lookahead`` seconds of
buffered frames while also seeing the ``lookahead`` seconds after them (``TrackerConfig.online_latency_seconds``
and ``online_lookahead_seconds``); a frame's ids are final at most ``latency_seconds`` after the frame arrives.
Until then each ``update`` returns *provisional* ids for the new frame (matched by overlap to the previous frame,
which carries the ids the last decision foresaw for it, and to tracks already decided; a negative id means "new,
not yet decided"). ``tracks()`` returns the post-processed result (gaps filled, short false tracks dropped) of
every track that has ended, and everything after ``finish()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from association.costs import CostModel
from mot.boxes import iou_matrix
from mot.errors import MOTError
from mot.pipeline import LiftedMulticutTracker, TrackerConfig, TrackRows, chunk_plan, filter_detections, track_sequence
from mot.types import Detections, DetectionTable, Tracks
from reid import LostTrack

PROVISIONAL_MATCH_IOU = 0.3


@dataclass(frozen=True)
class TrackedObject:
    """One box with its identity.

    Attributes:
        frame: 0-based index of the frame in the stream.
        track_id: identity; final ids are >= 1; a provisional id < 0 marks a new object not yet decided.
        box_xyxy: (4,) float64 pixels.
        score: detector confidence.
        final: True when the id is decided for good.
    """

    frame: int
    track_id: int
    box_xyxy: NDArray[np.float64]
    score: float
    final: bool


@dataclass(frozen=True)
class StreamUpdate:
    """What one ``update`` (or ``finish``) call returns.

    Attributes:
        frame: 0-based index of the frame this call added (the last one for ``finish``).
        provisional: this frame's objects with provisional ids.
        final: objects whose ids this call decided (empty on calls that did not close a window).
        lost: on calls that decided, the open tracks not detected in the newest decided frame: the hand-off to a
            single-object follower (:mod:`reid`); empty otherwise, and after ``finish`` (every track is closed).
    """

    frame: int
    provisional: list[TrackedObject] = field(default_factory=list)
    final: list[TrackedObject] = field(default_factory=list)
    lost: list[LostTrack] = field(default_factory=list)


class StreamingTracker:
    """Frame-by-frame tracking with a bounded delay.

    Args:
        frame_rate: frames per second of the stream (gaps are measured in seconds).
        detector: anything with ``detect(frame) -> Detections`` (see ``detectors``), used when ``update`` gets no
            detections; or a registered detector name (``"yolo"``, ``"hog"``).
        config: tracker settings; ``config.online_latency_seconds`` is the decision delay, of which
            ``config.online_lookahead_seconds`` is look-ahead.
        cost_model: edge cost models (default: the shipped one).
    """

    def __init__(
        self, frame_rate: float, *, detector: Any = None, config: TrackerConfig | None = None,
        cost_model: CostModel | None = None,
    ) -> None:  # fmt: skip
        self.config = config or TrackerConfig()
        self._engine = LiftedMulticutTracker(frame_rate, self.config, cost_model)
        if isinstance(detector, str):
            from detectors import get_detector

            detector = get_detector(detector)
        self.detector = detector
        self.decided_frames, self.lookahead_frames = chunk_plan(self.config, frame_rate, online=True)
        #: Frames buffered before a decision: the decided part and its look-ahead.
        self.window_frames = self.decided_frames + self.lookahead_frames
        self.reset()

    @property
    def latency_seconds(self) -> float:
        """Longest time between a frame's arrival and the decision of its identities."""
        return self.window_frames / self._engine.frame_rate

    def reset(self) -> None:
        """Forget everything: the next ``update`` is frame 0 and ids restart at 1."""
        self._engine.reset()
        self._frame = 0
        self._window_start = 0
        #: Each buffered frame's detections after ``filter_detections`` (filtered once, on arrival).
        self._buffer: list[Detections] = []
        self._released: list[TrackRows] = []
        self._previous_ids = np.zeros(0, dtype=np.int64)
        self._previous_boxes = np.zeros((0, 4))
        self._next_provisional = -1

    def update(self, frame: NDArray[np.uint8] | None = None, detections: Detections | None = None) -> StreamUpdate:
        """Add the next frame (its image, its detections, or both) and get its provisional identities.

        Raises:
            MOTError: neither detections nor a detector to compute them.
        """
        if detections is None:
            if self.detector is None or frame is None:
                raise MOTError("update() needs detections, or a frame and a detector to find them")
            detections = self.detector.detect(frame)
        index = self._frame
        self._frame += 1
        one_frame = DetectionTable.from_frames([detections])
        self._buffer.append(filter_detections(one_frame, self.config.min_score, self.config.nms_iou).at(0))
        provisional = self._provisional(index, detections)
        final: list[TrackedObject] = []
        lost: list[LostTrack] = []
        if len(self._buffer) == self.window_frames:
            final = self._decide(self.decided_frames)
            lost = self._engine.lost_tracks(self._window_start - 1)
        return StreamUpdate(index, provisional, final, lost)

    def finish(self) -> StreamUpdate:
        """Decide the frames still buffered and close every track (end of stream)."""
        final = self._decide(len(self._buffer)) if self._buffer else []
        self._released.extend(self._engine.flush())
        return StreamUpdate(self._frame - 1, [], final)

    def tracks(self) -> Tracks:
        """Post-processed tracks released so far (all of them after ``finish``)."""
        parts = self._released
        if not parts:
            return Tracks.empty(self._frame)
        return Tracks(*(np.concatenate([getattr(p, name) for p in parts])
                        for name in ("frames", "track_ids", "boxes_xyxy", "scores")), self._frame)  # fmt: skip

    def _decide(self, count: int) -> list[TrackedObject]:
        """Decide the oldest ``count`` buffered frames, the rest of the buffer being their look-ahead."""
        kept = DetectionTable.from_frames(self._buffer)
        start = self._window_start
        self._released.extend(
            self._engine.process_chunk(kept.frames + start, kept.boxes_xyxy, kept.scores, start + count)
        )
        self._window_start += count
        self._buffer = self._buffer[count:]
        rows = self._engine.last_assignment
        newest = self._engine.last_lookahead if self._buffer else rows
        self._adopt_final_ids(newest, self._frame - 1)
        return [TrackedObject(int(f), int(i), b, float(s), True)
                for f, i, b, s in zip(rows.frames, rows.track_ids, rows.boxes_xyxy, rows.scores)]  # fmt: skip

    def _adopt_final_ids(self, rows: TrackRows, last_frame: int) -> None:
        """Give the previous frame's provisional objects the ids just decided (or, for look-ahead frames,
        foreseen) for them: same boxes; look-ahead detections without a foreseen id (0) keep theirs."""
        in_frame = (rows.frames == last_frame) & (rows.track_ids > 0)
        if not in_frame.any() or len(self._previous_ids) == 0:
            return
        overlap = iou_matrix(self._previous_boxes, rows.boxes_xyxy[in_frame])
        matched, assigned = linear_sum_assignment(-overlap)
        good = overlap[matched, assigned] > 0.99
        self._previous_ids = self._previous_ids.copy()
        self._previous_ids[matched[good]] = rows.track_ids[in_frame][assigned[good]]

    def _provisional(self, index: int, detections: Detections) -> list[TrackedObject]:
        """Overlap matching to the previous frame's objects, then to decided tracks; else a new negative id."""
        boxes = detections.boxes_xyxy
        ids = np.zeros(len(boxes), dtype=np.int64)
        unmatched = np.arange(len(boxes))
        open_ids, open_boxes = self._engine.open_tracks_last_boxes()
        for known_ids, known_boxes in ((self._previous_ids, self._previous_boxes), (open_ids, open_boxes)):
            if len(unmatched) == 0 or len(known_ids) == 0:
                continue
            taken = np.isin(known_ids, ids[ids != 0])
            overlap = iou_matrix(boxes[unmatched], known_boxes)
            overlap[:, taken] = 0.0
            rows, cols = linear_sum_assignment(-overlap)
            good = overlap[rows, cols] >= PROVISIONAL_MATCH_IOU
            ids[unmatched[rows[good]]] = known_ids[cols[good]]
            unmatched = unmatched[ids[unmatched] == 0]
        fresh = -np.arange(len(unmatched)) + self._next_provisional
        ids[unmatched] = fresh
        self._next_provisional -= len(unmatched)
        self._previous_ids, self._previous_boxes = ids, boxes
        return [TrackedObject(index, int(i), b, float(s), False) for i, b, s in zip(ids, boxes, detections.scores)]


def track(
    source: str | Path | int | Iterable[NDArray[np.uint8]] | DetectionTable, *, detector: Any = "public",
    frame_rate: float | None = None, config: TrackerConfig | None = None, online: bool = False,
    cost_model: CostModel | None = None, progress: bool = False,
) -> Tracks:  # fmt: skip
    """Track a whole sequence in one call.

    Args:
        source: a MOT sequence folder (public detections when ``detector="public"``), a video file, an image
            folder, a camera index/URL, an iterable of frames, or a ``DetectionTable``.
        detector: ``"public"`` (det/det.txt of a MOT sequence), a registered detector name (``"yolo"``, ``"hog"``)
            or an object with ``detect(frame) -> Detections``.
        frame_rate: frames per second when the source does not say (required for plain iterables/tables).
        config, online, cost_model: as for ``mot.pipeline.track_sequence``.
        progress: show a progress bar while detecting.

    Returns:
        The post-processed track table (0-based frames, xyxy boxes).
    """
    from mot.io import MOTSequence, SequenceInfo
    from mot.sources import open_source

    if isinstance(source, DetectionTable):
        if frame_rate is None:
            raise MOTError("track(DetectionTable) needs frame_rate")
        info = SequenceInfo("detections", frame_rate, source.num_frames, 0, 0, None)
        return track_sequence(source, info, config, online=online, cost_model=cost_model)
    if detector == "public":
        if not (isinstance(source, (str, Path)) and (Path(source) / "seqinfo.ini").is_file()):
            raise MOTError("detector='public' needs a MOT sequence folder with det/det.txt; pass detector='yolo' "
                           "or 'hog' for videos and images")  # fmt: skip
        sequence = MOTSequence(source)
        info = sequence.info if frame_rate is None else SequenceInfo(**{**sequence.info.__dict__, "frame_rate": frame_rate})
        return track_sequence(sequence.detections(), info, config, online=online, cost_model=cost_model)
    frames = open_source(source, frame_rate)
    if frames.frame_rate is None:
        raise MOTError(f"{frames.name}: the source has no frame rate; pass frame_rate=")
    from detectors import detect_sequence, get_detector

    if isinstance(detector, str):
        detector = get_detector(detector)
    table = detect_sequence(detector, frames, frames.num_frames, progress=progress)
    info = SequenceInfo(frames.name, frames.frame_rate, table.num_frames, 0, 0, None)
    return track_sequence(table, info, config, online=online, cost_model=cost_model)
