"""The tracking pipeline: detections -> two-level lifted multicut association -> post-processing -> tracks.

Streaming design (online and offline share it): the sequence is cut into chunks of ``chunk_seconds``. In each chunk,
level 1 builds tracklets from the chunk's detections; level 2 links them with the tails ("stubs") of tracks that
were active within ``linking.lifted_seconds`` before the chunk. Stubs carry final identities: two stubs never
merge, a new tracklet joined to a stub takes its id, other clusters get new ids. Decisions about a frame are thus
final once its chunk is processed; the tracker keeps only open tracks in memory (flat in sequence length). Offline
mode uses long chunks (``offline_chunk_seconds``). Online mode decides short chunks and lets each decision also see
the detections of the next ``online_lookahead_seconds`` (associated, not kept: they are decided with the next
chunk), so no frame is decided blind to what follows it; a frame's identities are final at most
``online_latency_seconds`` (chunk plus look-ahead) after it arrives.

A track is released when it closes (no detection for ``linking.lifted_seconds``): its bridged gaps up to
``max_fill_seconds`` (up to ``occluded_fill_seconds`` where the person was hidden behind others) are filled by the
``gap_filler`` motion model (linear interpolation by default), and it is
dropped when it has fewer than ``min_track_detections`` detections or a mean detection score below
``min_track_score`` (false tracks drive FP).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from association.costs import CostModel, GapBucketLogistic, fit_gap_bucket_logistic
from association.features import (
    DETECTION_FEATURES,
    OCCLUSION_END_BOXES,
    TRACKLET_FEATURES,
    covered_fraction,
    occluded_fraction,
)
from association.graph import expand_ranges, same_frame_pairs
from association.tracklets import (
    DetectionGraphParams,
    LinkingParams,
    build_tracklets,
    detection_edges,
    link_candidates,
    link_tracklets,
    summarize_tracklets,
)
from mot.boxes import iou_matrix, paired_iou
from mot.io import MOTSequence, SequenceInfo
from mot.types import DetectionTable, GroundTruth, Tracks
from motion import ConstantVelocity, MotionModel, available_motion_models, get_motion_model
from reid import LostTrack

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class TrackerConfig:
    """Every tunable of the tracker, with units. Defaults were chosen on training sequences with gt only.

    Attributes:
        min_score: detections below this score are not used (public detections keep every box by default).
        nms_iou: same-frame boxes overlapping a higher-scored box by more than this IoU are dropped ("fast NMS":
            suppression by any higher-scored box, not only kept ones); 1.0 disables it.
        detection: level 1 (detection graph) parameters.
        linking: level 2 (tracklet lifted multicut) parameters.
        online_latency_seconds: online mode's decision delay: identities are final at most this long after a frame.
        online_lookahead_seconds: the part of that delay spent looking ahead: online mode decides
            ``online_latency_seconds - online_lookahead_seconds`` of frames at a time, each decision also seeing
            the next ``online_lookahead_seconds`` (associated, not yet final). Without it, the frames at the end of
            a window would be decided with no evidence of what follows them.
        offline_chunk_seconds: chunk length in offline mode.
        max_fill_seconds: gaps inside a track up to this long are filled by ``gap_filler``.
        occluded_fill_seconds: longer gaps, up to this long, are filled too where the person was hidden: the
            straight path between the sightings around the gap is covered, on average over the gap's frames, by
            at least ``occluded_fill_cover`` of its area by another detection of the same frame. Ground truth
            keeps people behind others, so these boxes are usually right; a gap in the open more likely means
            the person left, turned away or was a false detection. Values up to ``max_fill_seconds`` disable it.
        occluded_fill_cover: that fraction, in [0, 1].
        gap_filler: the motion model (:func:`motion.get_motion_model` name) that fills those gaps from the track's
            observations on both sides: ``"linear"`` interpolates between the boxes before and after the gap (the
            MOT community's "linear interpolation"); ``"kalman"`` uses a constant-velocity RTS smoother over the
            ``GAP_CONTEXT_SECONDS`` either side. Learned models plug in here through the same protocol.
        smooth_seconds: each box is replaced by a straight-line fit through the track's boxes within this many
            seconds either side (detector jitter averages out, raising localisation accuracy); 0 disables it.
        min_track_detections: tracks with fewer detections are dropped.
        min_track_score: tracks whose mean detection score is below this are dropped.
    """

    min_score: float = -np.inf
    nms_iou: float = 0.5
    detection: DetectionGraphParams = field(default_factory=DetectionGraphParams)
    linking: LinkingParams = field(default_factory=LinkingParams)
    online_latency_seconds: float = 2.0
    online_lookahead_seconds: float = 1.0
    offline_chunk_seconds: float = 30.0
    max_fill_seconds: float = 0.5
    occluded_fill_seconds: float = 2.0
    occluded_fill_cover: float = 0.5
    gap_filler: str = "linear"
    smooth_seconds: float = 0.1
    min_track_detections: int = 18
    min_track_score: float = -np.inf

    def __post_init__(self) -> None:
        """Reject an unknown ``gap_filler`` and an impossible online window early (before any tracking starts)."""
        if not (self.online_latency_seconds > 0 and 0 <= self.online_lookahead_seconds < self.online_latency_seconds):
            raise ValueError(f"online_lookahead_seconds: expected 0 <= lookahead < online_latency_seconds "
                             f"({self.online_latency_seconds!r}), got {self.online_lookahead_seconds!r}")  # fmt: skip
        if not (np.isfinite(self.occluded_fill_seconds) and self.occluded_fill_seconds >= 0):
            raise ValueError(f"occluded_fill_seconds: expected a number of seconds >= 0, got "
                             f"{self.occluded_fill_seconds!r}")  # fmt: skip
        if not 0 <= self.occluded_fill_cover <= 1:  # also rejects NaN
            raise ValueError(f"occluded_fill_cover: expected a fraction in [0, 1], got {self.occluded_fill_cover!r}")
        if self.gap_filler not in available_motion_models():
            raise ValueError(f"gap_filler: unknown motion model {self.gap_filler!r}; expected one of "
                             f"{available_motion_models()}")  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackerConfig:
        """Build from a (JSON) dict such as ``{"min_score": 0.3, "linking": {"bias": 0.5}}``.

        Raises:
            ValueError: an unknown key (the message lists the valid ones) or a wrongly typed value.
        """
        from dataclasses import fields as dataclass_fields

        if not isinstance(data, dict):
            raise ValueError(f"expected an object of tracker settings, got {type(data).__name__}: {data!r}")
        default = cls()
        overrides: dict[str, Any] = {}
        valid = {f.name for f in dataclass_fields(cls)}
        for key, value in data.items():
            if key not in valid:
                raise ValueError(f"unknown tracker setting {key!r}; expected one of {sorted(valid)}")
            current = getattr(default, key)
            if isinstance(current, (DetectionGraphParams, LinkingParams)):
                if not isinstance(value, dict):
                    raise ValueError(f"{key}: expected an object of settings, got {value!r}")
                group_valid = {f.name for f in dataclass_fields(current)}
                for name, item in value.items():
                    if name not in group_valid:
                        raise ValueError(f"unknown setting {key}.{name}; expected one of {sorted(group_valid)}")
                    overrides[f"{key}__{name}"] = _typed(f"{key}.{name}", getattr(current, name), item)
            else:
                overrides[key] = _typed(key, current, value)
        return default.with_overrides(**overrides)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (inverse of ``from_dict``)."""
        from dataclasses import asdict

        return asdict(self)

    def with_overrides(self, **values: Any) -> TrackerConfig:
        """A copy with top-level or nested (``detection__bias``) fields replaced."""
        nested: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for key, value in values.items():
            if "__" in key:
                group, name = key.split("__", 1)
                nested.setdefault(group, {})[name] = value
            else:
                top[key] = value
        for group, changes in nested.items():
            top[group] = replace(getattr(self, group), **changes)
        return replace(self, **top)


def _typed(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ValueError(f"{name}: expected a string, got {value!r}")
        return value
    if isinstance(current, (int, np.integer)) and not isinstance(current, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name}: expected an integer, got {value!r}")
        return value
    if not isinstance(value, (int, float)) or isinstance(value, bool) or np.isnan(value):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    return float(value)


def filter_detections(detections: DetectionTable, min_score: float, nms_iou: float) -> DetectionTable:
    """Drop low-scored boxes, then same-frame boxes overlapping a higher-scored one by more than ``nms_iou``."""
    kept = detections.select(detections.scores >= min_score) if np.isfinite(min_score) else detections
    if nms_iou >= 1.0 or len(kept) == 0:
        return kept
    i, j = same_frame_pairs(kept.frames)
    overlap = paired_iou(kept.boxes_xyxy[i], kept.boxes_xyxy[j]) > nms_iou
    j_loses = (kept.scores[i] > kept.scores[j]) | ((kept.scores[i] == kept.scores[j]) & (i < j))
    suppressed = np.zeros(len(kept), dtype=bool)
    suppressed[np.where(j_loses, j, i)[overlap]] = True
    return kept.select(~suppressed)


class _Stubs(NamedTuple):
    """The open tracks' tails that take part in a chunk's linking (S stubs, rows labelled 0..S-1)."""

    labels: IntArray
    frames: IntArray
    boxes: FloatArray
    scores: FloatArray
    ids: IntArray
    lengths: FloatArray
    mean_scores: FloatArray
    end_occlusion: FloatArray


class _OpenTrack:
    """Rows of one track that is still open (observed detections only).

    Parts arrive chunk by chunk in frame order, each sorted by frame, so the tail and the latest box come from the
    last parts without touching the whole history (the hot path runs once per chunk for every open track).
    """

    __slots__ = ("frames", "boxes", "scores", "hidden_gaps", "last_frame", "count", "score_sum", "recent_occlusion")

    def __init__(self) -> None:
        self.frames: list[IntArray] = []
        self.boxes: list[FloatArray] = []
        self.scores: list[FloatArray] = []
        #: per row: the gap before it (if any) was spent hidden behind others (see ``occluded_fill_seconds``)
        self.hidden_gaps: list[NDArray[np.bool_]] = []
        self.last_frame = -1
        self.count = 0
        self.score_sum = 0.0
        #: ``occluded_fraction`` of the last ``OCCLUSION_END_BOXES`` rows (measured when their frames were whole).
        self.recent_occlusion = np.zeros(0)

    def add(
        self, frames: IntArray, boxes: FloatArray, scores: FloatArray, occlusion: FloatArray,
        hidden_gaps: NDArray[np.bool_],
    ) -> None:  # fmt: skip
        self.frames.append(frames)
        self.boxes.append(boxes)
        self.scores.append(scores)
        self.hidden_gaps.append(hidden_gaps)
        self.last_frame = int(frames[-1])
        self.count += len(frames)
        self.score_sum += float(scores.sum())
        self.recent_occlusion = np.concatenate([self.recent_occlusion, occlusion])[-OCCLUSION_END_BOXES:]

    def tail(self, window_frames: int) -> tuple[IntArray, FloatArray, FloatArray]:
        """Rows within ``window_frames`` of the last frame."""
        first = len(self.frames) - 1
        while first > 0 and self.frames[first][0] >= self.last_frame - window_frames:
            first -= 1
        frames = np.concatenate(self.frames[first:])
        keep = frames >= self.last_frame - window_frames
        return frames[keep], np.concatenate(self.boxes[first:])[keep], np.concatenate(self.scores[first:])[keep]

    def arrays(self) -> tuple[IntArray, FloatArray, FloatArray, NDArray[np.bool_]]:
        return (np.concatenate(self.frames), np.concatenate(self.boxes), np.concatenate(self.scores),
                np.concatenate(self.hidden_gaps))  # fmt: skip


@dataclass
class TrackRows:
    """Finished rows of one or more tracks (0-based frames, xyxy boxes)."""

    frames: IntArray
    track_ids: IntArray
    boxes_xyxy: FloatArray
    scores: FloatArray


def smooth_track(frames: IntArray, boxes: FloatArray, half_window_frames: int) -> FloatArray:
    """Local linear fit of a track's boxes over the rows within ``half_window_frames`` (frames sorted, unique).

    A straight line fitted around each row, not a plain average: a moving average lags a moving person at the
    track's ends (the window is one-sided there) and flattens any uneven sampling; the line fit is exact for
    constant-velocity motion everywhere and still averages detector jitter. Rows whose window holds one frame only
    keep their box. Grouped sums make it O(rows).
    """
    if half_window_frames <= 0 or len(frames) < 2:
        return boxes
    t = (frames - frames[0]).astype(np.float64)
    low = np.searchsorted(frames, frames - half_window_frames, side="left")
    high = np.searchsorted(frames, frames + half_window_frames, side="right")

    def window_sum(values: FloatArray) -> FloatArray:
        cumulative = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
        return cumulative[high] - cumulative[low]

    count, sum_t, sum_tt = (high - low).astype(np.float64), window_sum(t), window_sum(t * t)
    sum_x, sum_tx = window_sum(boxes), window_sum(t[:, None] * boxes)
    # Centre the time axis on each row: the fitted line's value there is its intercept.
    sum_u = sum_t - count * t
    sum_uu = sum_tt - 2 * t * sum_t + count * t * t
    sum_ux = sum_tx - t[:, None] * sum_x
    determinant = count * sum_uu - sum_u * sum_u
    sloped = determinant > 1e-9 * count * count
    safe = np.where(sloped, determinant, 1.0)[:, None]
    intercept = (sum_uu[:, None] * sum_x - sum_u[:, None] * sum_ux) / safe
    return np.where(sloped[:, None], intercept, boxes)  # frames are unique: no slope means a one-row window


#: Seconds of a track's observations on each side of a gap that a non-linear ``gap_filler`` sees.
GAP_CONTEXT_SECONDS = 1.0


def interpolate_track(
    frames: IntArray, boxes: FloatArray, scores: FloatArray, max_gap_frames: int | IntArray,
    motion_model: MotionModel | None = None, frame_rate: float = 1.0,
) -> tuple[IntArray, FloatArray, FloatArray]:  # fmt: skip
    """Fill gaps of up to ``max_gap_frames`` missing frames (frames sorted, unique).

    ``max_gap_frames`` is one limit for every gap, or (N-1,) limits, one per pair of consecutive rows.

    Filled rows get the lower score of the two rows around their gap. Without ``motion_model`` (or with the
    ``"linear"`` one) the boxes are linear between those two rows, vectorised over all gaps; any other model's
    ``fill_gap`` is called once per gap with the observations within ``GAP_CONTEXT_SECONDS`` on each side (times
    in seconds from ``frame_rate``).
    """
    steps = np.diff(frames)
    fill = (steps > 1) & (steps - 1 <= max_gap_frames)
    if not fill.any():
        return frames, boxes, scores
    starts = np.flatnonzero(fill)
    gap, new_frames = expand_ranges(frames[starts] + 1, frames[starts + 1])
    segment = starts[gap]
    if motion_model is None or isinstance(motion_model, ConstantVelocity):
        new_boxes = _straight_path(frames[segment], boxes[segment], frames[segment + 1], boxes[segment + 1],
                                   new_frames)  # fmt: skip
    else:
        new_boxes = _model_filled_boxes(frames, boxes, starts, steps[starts] - 1, motion_model, frame_rate)
    new_scores = np.minimum(scores[segment], scores[segment + 1])
    all_frames = np.concatenate([frames, new_frames])
    order = np.argsort(all_frames, kind="stable")
    return (all_frames[order], np.concatenate([boxes, new_boxes])[order], np.concatenate([scores, new_scores])[order])


def _straight_path(
    frame_before: IntArray, box_before: FloatArray, frame_after: IntArray, box_after: FloatArray, frames: IntArray
) -> FloatArray:  # fmt: skip
    """Boxes at ``frames`` on the straight line from ``box_before`` to ``box_after`` (all arrays row-aligned)."""
    fraction = ((frames - frame_before) / (frame_after - frame_before))[:, None]
    return box_before * (1 - fraction) + box_after * fraction


def _model_filled_boxes(
    frames: IntArray, boxes: FloatArray, starts: IntArray, missing: IntArray, motion_model: MotionModel,
    frame_rate: float,
) -> FloatArray:  # fmt: skip
    """Boxes of every missing frame, gap after gap, from ``motion_model.fill_gap`` (one call per gap)."""
    times = frames / frame_rate
    context = int(np.ceil(GAP_CONTEXT_SECONDS * frame_rate))
    parts = []
    for start, count in zip(starts, missing):
        before = slice(int(np.searchsorted(frames, frames[start] - context)), int(start) + 1)
        after = slice(int(start) + 1, int(np.searchsorted(frames, frames[start + 1] + context, side="right")))
        query = (frames[start] + np.arange(1, count + 1)) / frame_rate
        parts.append(motion_model.fill_gap(times[before], boxes[before], times[after], boxes[after], query))
    return np.concatenate(parts)


class LiftedMulticutTracker:
    """Chunked two-level lifted multicut tracker over a stream of per-frame detections.

    Feed whole chunks with ``process_chunk`` (``track_sequence`` and ``track_stream`` do this); each call returns the
    tracks that closed. ``flush`` closes the rest. Ids are counted per instance, starting at 1.
    """

    def __init__(self, frame_rate: float, config: TrackerConfig | None = None, cost_model: CostModel | None = None):
        if not (np.isfinite(frame_rate) and frame_rate > 0):
            raise ValueError(f"frame_rate: expected a positive number of frames per second, got {frame_rate!r}")
        self.frame_rate = float(frame_rate)
        self.config = config or TrackerConfig()
        self.cost_model = cost_model or CostModel.load()
        self.gap_filler = get_motion_model(self.config.gap_filler)
        #: Longest gaps filled, in missing frames: any gap, and a gap spent behind others (0: not filled longer).
        self._max_fill_frames = int(round(self.config.max_fill_seconds * self.frame_rate))
        hidden = int(round(self.config.occluded_fill_seconds * self.frame_rate))
        self._max_hidden_fill_frames = hidden if hidden > self._max_fill_frames else 0
        self.reset()

    def reset(self) -> None:
        """Forget every track and restart ids at 1."""
        self._open: dict[int, _OpenTrack] = {}
        self._next_id = 1
        empty = np.zeros(0, dtype=np.int64)
        # Decided detections of the last ``occluded_fill_seconds``: the frames a gap that closes now can span.
        self._recent_frames, self._recent_boxes = empty, np.zeros((0, 4))
        #: Final ids given to the decided detections of the last processed chunk (before post-processing).
        self.last_assignment = TrackRows(empty, empty, np.zeros((0, 4)), np.zeros(0))
        #: The last chunk's look-ahead detections with the ids they would get now (0: none yet); not final.
        self.last_lookahead = self.last_assignment

    def open_tracks_last_boxes(self) -> tuple[IntArray, FloatArray]:
        """``(ids, boxes)`` of the latest observed box of every open track."""
        ids = np.fromiter(self._open, dtype=np.int64, count=len(self._open))
        boxes = np.zeros((len(ids), 4))
        for row, track in enumerate(self._open.values()):
            boxes[row] = track.boxes[-1][-1]
        return ids, boxes

    def lost_tracks(self, newest_frame: int) -> list[LostTrack]:
        """Open tracks not detected in ``newest_frame`` (the last frame processed): the hand-off to a follower.

        Ordered by track id. See :class:`reid.LostTrack`.
        """
        linking = self.config.linking
        window = int(np.ceil(linking.joint_window_seconds * self.frame_rate))
        relink = int(round(linking.max_link_seconds * self.frame_rate))
        lost = []
        for track_id in sorted(self._open):
            track = self._open[track_id]
            if track.last_frame >= newest_frame:
                continue
            frames, boxes, _ = track.tail(window)
            lost.append(LostTrack(track_id, frames, boxes, track.last_frame + relink))
        return lost

    @property
    def open_track_count(self) -> int:
        """Tracks still open (kept in memory)."""
        return len(self._open)

    def _stubs(self, first_frame: int) -> _Stubs:
        """Tail observations of open tracks that can still be linked, labelled 0..S-1."""
        linking = self.config.linking
        window = int(np.ceil(max(linking.velocity_window_seconds, linking.joint_window_seconds) * self.frame_rate))
        reach = int(np.ceil(self.config.linking.lifted_seconds * self.frame_rate))
        ids, parts, lengths, means, occlusions = [], [], [], [], []
        for track_id, track in self._open.items():
            if track.last_frame < first_frame - reach:
                continue
            ids.append(track_id)
            parts.append(track.tail(window))
            lengths.append(track.count)
            means.append(track.score_sum / track.count)
            occlusions.append(track.recent_occlusion.max())
        if not ids:
            empty = np.zeros(0, dtype=np.int64)
            return _Stubs(empty, empty, np.zeros((0, 4)), np.zeros(0), empty, np.zeros(0), np.zeros(0), np.zeros(0))
        labels = np.repeat(np.arange(len(ids)), [len(p[0]) for p in parts])
        return _Stubs(labels, np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                      np.concatenate([p[2] for p in parts]), np.asarray(ids, dtype=np.int64),
                      np.asarray(lengths, dtype=np.float64), np.asarray(means), np.asarray(occlusions))  # fmt: skip

    def process_chunk(self, frames: IntArray, boxes: FloatArray, scores: FloatArray, chunk_end: int) -> list[TrackRows]:
        """Associate one chunk of (already filtered) detections, frames sorted.

        Detections of frames ``>= chunk_end`` are look-ahead: they take part in the association, so that the
        decisions about the frames before ``chunk_end`` see what follows, but nothing about them is kept. Pass them
        again with the next chunk. ``last_assignment`` holds the decided detections, ``last_lookahead`` the
        look-ahead ones with the id they would get now (0 where none is decided yet).

        Returns:
            Tracks that closed before ``chunk_end`` (post-processed).
        """
        config = self.config
        empty = np.zeros(0, dtype=np.int64)
        self.last_assignment = TrackRows(empty, empty, np.zeros((0, 4)), np.zeros(0))
        self.last_lookahead = self.last_assignment
        chunk_first = int(frames[0]) if len(frames) else chunk_end
        times = frames / self.frame_rate
        labels = build_tracklets(frames, times, boxes, scores, self.frame_rate, self.cost_model.detection,
                                 config.detection)  # fmt: skip
        occlusion = occluded_fraction(frames, boxes)  # every frame of a chunk is whole
        new_count = int(labels.max()) + 1 if len(labels) else 0
        stubs = self._stubs(chunk_first)
        if new_count:
            all_labels = np.concatenate([labels, stubs.labels + new_count])
            all_frames = np.concatenate([frames, stubs.frames])
            tracklets = summarize_tracklets(
                all_labels, all_frames, all_frames / self.frame_rate, np.concatenate([boxes, stubs.boxes]),
                np.concatenate([scores, stubs.scores]), new_count + len(stubs.ids),
                config.linking.velocity_window_seconds, config.linking.joint_window_seconds,
                np.concatenate([occlusion, np.zeros(len(stubs.labels))]),
            )  # fmt: skip
            # Open tracks are summarised from their tails; their totals and end occlusion come from the whole track
            # (the tails' frames are no longer whole in this chunk).
            tracklets.length[new_count:] = stubs.lengths
            tracklets.mean_score[new_count:] = stubs.mean_scores
            tracklets.end_occlusion[new_count:] = stubs.end_occlusion
            fixed = np.concatenate([np.full(new_count, -1, dtype=np.int64), stubs.ids])
            clusters = link_tracklets(tracklets, fixed, self.cost_model.tracklet, config.linking)
            cluster_id = np.full(int(clusters.max()) + 1, -1, dtype=np.int64)
            np.maximum.at(cluster_id, clusters, fixed)
            decided = frames < chunk_end
            gets_id = np.zeros(len(cluster_id), dtype=bool)
            gets_id[clusters[labels[decided]]] = True
            fresh = np.flatnonzero((cluster_id < 0) & gets_id)
            cluster_id[fresh] = self._next_id + np.arange(len(fresh))
            self._next_id += len(fresh)
            detection_ids = cluster_id[clusters[labels]]
            ahead = ~decided
            self.last_lookahead = TrackRows(frames[ahead], np.maximum(detection_ids[ahead], 0), boxes[ahead],
                                            scores[ahead])  # fmt: skip
            frames, boxes, scores, occlusion = frames[decided], boxes[decided], scores[decided], occlusion[decided]
            detection_ids = detection_ids[decided]
            self.last_assignment = TrackRows(frames, detection_ids, boxes, scores)
            order = np.argsort(detection_ids, kind="stable")  # frames are sorted: by track, then frame
            ids_sorted = detection_ids[order]
            self._remember_detections(frames, boxes, chunk_first)
            hidden_gaps = self._hidden_gaps(frames, boxes, order, ids_sorted)
            bounds = np.flatnonzero(np.r_[True, ids_sorted[1:] != ids_sorted[:-1], True]) if len(order) else []
            for start, stop in zip(bounds[:-1], bounds[1:]):  # one iteration per track, not per detection
                rows = order[start:stop]
                self._open.setdefault(int(ids_sorted[start]), _OpenTrack()).add(
                    frames[rows], boxes[rows], scores[rows], occlusion[rows], hidden_gaps[rows]
                )  # fmt: skip
        reach = int(np.ceil(config.linking.lifted_seconds * self.frame_rate))
        closing = [i for i, t in self._open.items() if t.last_frame < chunk_end - reach]
        return self._release(closing)

    def _remember_detections(self, frames: IntArray, boxes: FloatArray, chunk_first: int) -> None:
        """Keep the decided detections that a gap closing in this chunk or later can span (nothing when the
        longer fill is off), so memory does not grow with the tracks' lengths."""
        if not self._max_hidden_fill_frames:
            return
        keep = self._recent_frames >= chunk_first - self._max_hidden_fill_frames - 1
        self._recent_frames = np.concatenate([self._recent_frames[keep], frames])  # chunks arrive in frame order
        self._recent_boxes = np.concatenate([self._recent_boxes[keep], boxes])

    def _hidden_gaps(
        self, frames: IntArray, boxes: FloatArray, order: IntArray, ids: IntArray
    ) -> NDArray[np.bool_]:  # fmt: skip
        """(n,) per decided row: the gap before it in its track is long and was spent behind others.

        Decided when the gap closes (its row arrives), from the remembered detections of the gap's frames.
        ``order`` sorts the rows by track, then frame; ``ids`` are their track ids in that order.
        """
        hidden = np.zeros(len(frames), dtype=bool)
        if not self._max_hidden_fill_frames or len(frames) == 0:
            return hidden
        track_frames, track_boxes = frames[order], boxes[order]
        previous_frame = np.r_[-1, track_frames[:-1]]
        previous_box = np.concatenate([np.zeros((1, 4)), track_boxes[:-1]])
        for row in np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]):  # a track's first row here: its open past
            track = self._open.get(int(ids[row]))
            previous_frame[row] = track.last_frame if track is not None else -1
            if track is not None:
                previous_box[row] = track.boxes[-1][-1]
        missing = track_frames - previous_frame - 1
        gap = np.flatnonzero((previous_frame >= 0) & (missing > self._max_fill_frames)
                             & (missing <= self._max_hidden_fill_frames))  # fmt: skip
        if len(gap) == 0:
            return hidden
        owner, path_frames = expand_ranges(previous_frame[gap] + 1, track_frames[gap])  # each gap's missing frames
        at = gap[owner]
        path = _straight_path(previous_frame[at], previous_box[at], track_frames[at], track_boxes[at], path_frames)
        cover = covered_fraction(path_frames, path, self._recent_frames, self._recent_boxes)
        mean_cover = np.bincount(owner, cover, minlength=len(gap)) / missing[gap]
        hidden[order[gap]] = mean_cover >= self.config.occluded_fill_cover
        return hidden

    def flush(self) -> list[TrackRows]:
        """Close and release every open track (end of stream)."""
        return self._release(list(self._open))

    def _release(self, track_ids: list[int]) -> list[TrackRows]:
        released = []
        for track_id in track_ids:
            frames, boxes, scores, hidden_gaps = self._open.pop(track_id).arrays()
            if len(frames) < self.config.min_track_detections or scores.mean() < self.config.min_track_score:
                continue
            gap_limits = np.where(hidden_gaps[1:], self._max_hidden_fill_frames, self._max_fill_frames)
            frames, boxes, scores = interpolate_track(frames, boxes, scores, gap_limits, self.gap_filler,
                                                      self.frame_rate)  # fmt: skip
            boxes = smooth_track(frames, boxes, int(round(self.config.smooth_seconds * self.frame_rate)))
            released.append(TrackRows(frames, np.full(len(frames), track_id, dtype=np.int64), boxes, scores))
        return released


def chunk_plan(config: TrackerConfig, frame_rate: float, online: bool) -> tuple[int, int]:
    """``(decided_frames, lookahead_frames)`` of each chunk: online, the latency split into its decided part and
    its look-ahead (their sum is the latency); offline, ``offline_chunk_seconds`` and no look-ahead."""
    if not online:
        return max(1, int(round(config.offline_chunk_seconds * frame_rate))), 0
    window = max(1, int(round(config.online_latency_seconds * frame_rate)))
    lookahead = min(int(round(config.online_lookahead_seconds * frame_rate)), window - 1)
    return window - lookahead, lookahead


def iter_chunks(
    detections: DetectionTable, chunk_frames: int, repeats: int = 1, lookahead_frames: int = 0
) -> Iterator[tuple[IntArray, FloatArray, FloatArray, int]]:
    """Yield ``(frames, boxes, scores, chunk_end)`` chunks of ``chunk_frames`` frames, each followed by the
    detections of the next ``lookahead_frames`` frames (see ``LiftedMulticutTracker.process_chunk``).

    With ``repeats > 1`` the sequence is played again and again with frame offsets, as a longer stream (used to
    show that memory stays flat); nothing of the longer stream is materialised. The look-ahead stops at the end of
    each repeat.
    """
    length = detections.num_frames
    boundaries = np.arange(0, length + chunk_frames, chunk_frames)
    starts = np.searchsorted(detections.frames, boundaries)
    stops = np.searchsorted(detections.frames, boundaries[1:] + lookahead_frames)
    for repeat in range(repeats):
        offset = repeat * length
        for index in range(len(starts) - 1):
            rows = slice(int(starts[index]), int(stops[index]))
            chunk_end = min((index + 1) * chunk_frames, length)
            yield (detections.frames[rows] + offset, detections.boxes_xyxy[rows], detections.scores[rows],
                   chunk_end + offset)  # fmt: skip


def track_stream(
    detections: DetectionTable, info: SequenceInfo, config: TrackerConfig | None = None, *, online: bool = False,
    cost_model: CostModel | None = None, repeats: int = 1,
) -> Iterator[TrackRows]:  # fmt: skip
    """Yield finished tracks chunk by chunk (memory flat in sequence length; ``repeats`` loops the sequence)."""
    config = config or TrackerConfig()
    tracker = LiftedMulticutTracker(info.frame_rate, config, cost_model)
    kept = filter_detections(detections, config.min_score, config.nms_iou)
    decided_frames, lookahead_frames = chunk_plan(config, info.frame_rate, online)
    for frames, boxes, scores, chunk_end in iter_chunks(kept, decided_frames, repeats, lookahead_frames):
        yield from tracker.process_chunk(frames, boxes, scores, chunk_end)
    yield from tracker.flush()


def track_sequence(
    detections: DetectionTable, info: SequenceInfo, config: TrackerConfig | None = None, *, online: bool = False,
    cost_model: CostModel | None = None,
) -> Tracks:  # fmt: skip
    """Track a whole sequence of detections; returns the track table.

    Args:
        detections: the sequence's detections (0-based frames, xyxy).
        info: sequence facts; ``frame_rate`` converts frame gaps to seconds.
        config: tracker settings (default ``TrackerConfig()``).
        online: short chunks with look-ahead (latency ``config.online_latency_seconds``) instead of offline chunks.
        cost_model: edge cost models; default the shipped model (fitted on every sequence with gt).
    """
    parts = list(track_stream(detections, info, config, online=online, cost_model=cost_model))
    if not parts:
        return Tracks.empty(detections.num_frames)
    return Tracks(
        np.concatenate([p.frames for p in parts]), np.concatenate([p.track_ids for p in parts]),
        np.concatenate([p.boxes_xyxy for p in parts]), np.concatenate([p.scores for p in parts]),
        detections.num_frames,
    )  # fmt: skip


# --- fitting the cost models on sequences with ground truth ---------------------------------------------------

DETECTION_BUCKETS = np.array([0.0, 0.05, 0.1, 0.17, np.inf])
TRACKLET_BUCKETS = np.array([0.0, 0.15, 0.4, 1.0, 2.0, np.inf])


def match_to_ground_truth(detections: DetectionTable, ground_truth: GroundTruth, threshold: float = 0.5) -> IntArray:
    """Ground-truth id of each detection (Hungarian per frame on IoU >= threshold), -1 when unmatched."""
    matched = np.full(len(detections), -1, dtype=np.int64)
    for frame in np.unique(detections.frames):
        rows = np.arange(*detections._frame_slice(int(frame)).indices(len(detections)))
        gt_rows = ground_truth._frame_slice(int(frame))
        gt_boxes = ground_truth.boxes_xyxy[gt_rows]
        if len(gt_boxes) == 0:
            continue
        iou = iou_matrix(detections.boxes_xyxy[rows], gt_boxes)
        det_index, gt_index = linear_sum_assignment(-iou)
        good = iou[det_index, gt_index] >= threshold
        matched[rows[det_index[good]]] = ground_truth.track_ids[gt_rows][gt_index[good]]
    return matched


def evaluated_ground_truth(sequence: MOTSequence) -> GroundTruth:
    """The sequence's gt rows that the evaluation scores (pedestrians only where the file has classes)."""
    gt = sequence.ground_truth()
    has_classes = bool((gt.class_ids >= 0).any())
    return gt.evaluated(pedestrians_only=has_classes)


def _auc(scores: FloatArray, labels: NDArray[np.bool_]) -> float:
    from scipy.stats import rankdata

    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def fit_cost_model(sequences: list[MOTSequence], config: TrackerConfig | None = None, l2: float = 1.0) -> CostModel:
    """Fit the detection- and tracklet-level cost models on sequences with ground truth.

    Labels come from matching detections to the evaluated ground truth (IoU >= 0.5): a detection pair is "same"
    when both match the same person, "different" when they match different people; pairs with an unmatched
    detection are left out. Tracklets from level 1 (with the freshly fitted detection model) are labelled by their
    majority person (none when fewer than half their boxes match one); a candidate link is "same" when both have
    the same person, "different" when they differ or only one has a person (linking a false tracklet to a person
    adds false boxes to the track), and left out when neither has one.

    The detection model is fitted on the boxes as given, and level 1 uses it in both of its passes (the camera
    pass compensates the boxes before linking them again); the tracklet model is fitted on the tracklets that
    two-pass level 1 gives, as it is used.
    """
    config = config or TrackerConfig()
    det_x, det_y, samples = [], [], []
    for sequence in sequences:
        detections = filter_detections(sequence.detections(), config.min_score, config.nms_iou)
        person = match_to_ground_truth(detections, evaluated_ground_truth(sequence))
        times = detections.frames / sequence.info.frame_rate
        i, j, features = detection_edges(detections.frames, times, detections.boxes_xyxy, detections.scores,
                                         sequence.info.frame_rate, config.detection)  # fmt: skip
        known = (person[i] >= 0) & (person[j] >= 0)
        det_x.append(features[known]), det_y.append(person[i][known] == person[j][known])
        samples.append((sequence, detections, person, times))
    det_features, det_labels = np.concatenate(det_x), np.concatenate(det_y)
    detection_model = fit_gap_bucket_logistic(det_features, det_features[:, 4], det_labels, DETECTION_FEATURES,
                                              DETECTION_BUCKETS, l2)  # fmt: skip
    tr_x, tr_y = [], []
    for sequence, detections, person, times in samples:
        labels = build_tracklets(detections.frames, times, detections.boxes_xyxy, detections.scores,
                                 sequence.info.frame_rate, detection_model, config.detection)  # fmt: skip
        count = int(labels.max()) + 1
        tracklets = summarize_tracklets(labels, detections.frames, times, detections.boxes_xyxy, detections.scores,
                                        count, config.linking.velocity_window_seconds,
                                        config.linking.joint_window_seconds,
                                        occluded_fraction(detections.frames, detections.boxes_xyxy))  # fmt: skip
        majority = majority_person(labels, person, count)
        a, b, features, _, _ = link_candidates(tracklets, config.linking)
        # A person's tracklet linked to a false one is a wrong link too (it grows a track with false boxes);
        # links between two false tracklets are left out.
        known = (majority[a] >= 0) | (majority[b] >= 0)
        tr_x.append(features[known])
        tr_y.append((majority[a][known] >= 0) & (majority[a][known] == majority[b][known]))
    tr_features, tr_labels = np.concatenate(tr_x), np.concatenate(tr_y)
    tracklet_model = fit_gap_bucket_logistic(tr_features, tr_features[:, 0], tr_labels, TRACKLET_FEATURES,
                                             TRACKLET_BUCKETS, l2)  # fmt: skip
    card = {
        "trained_on": [s.name for s in sequences],
        "detection_pairs": int(len(det_labels)),
        "detection_same_fraction": float(det_labels.mean()),
        "detection_training_auc": _auc(detection_model.log_odds(det_features, det_features[:, 4]), det_labels),
        "tracklet_pairs": int(len(tr_labels)),
        "tracklet_same_fraction": float(tr_labels.mean()) if len(tr_labels) else float("nan"),
        "tracklet_training_auc": _auc(tracklet_model.log_odds(tr_features, tr_features[:, 0]), tr_labels),
    }
    return CostModel(detection_model, tracklet_model, card)


def majority_person(labels: IntArray, person: IntArray, count: int) -> IntArray:
    """Majority matched person of each group (tracklet or track; ``labels`` 0..count-1 per box, ``person`` the
    box's matched gt id or -1), -1 when fewer than half of its boxes match that person."""
    matched = person >= 0
    result = np.full(count, -1, dtype=np.int64)
    if not matched.any():
        return result
    pairs, votes = np.unique(np.column_stack([labels[matched], person[matched]]), axis=0, return_counts=True)
    order = np.lexsort((-votes, pairs[:, 0]))
    pairs, votes = pairs[order], votes[order]
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
    sizes = np.bincount(labels, minlength=count)
    winners = pairs[first]
    enough = votes[first] * 2 >= sizes[winners[:, 0]]
    result[winners[enough, 0]] = winners[enough, 1]
    return result
