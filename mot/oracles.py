"""Ground-truth oracles on a tracker's output: how far a lever could move the scores if it were perfect.

Why: before building evidence for a decision (joining two tracks, dropping a track), measure what a perfect
decision would give on our own output. If the ceiling of a lever is below a target, no model of that lever can reach
it; if it is far above, the evidence, not the solver, is what is missing. ``scripts/oracle_ceilings.py`` prints
these ceilings for the benchmarks.

Each track gets the ground-truth person that most of its boxes match (IoU >= 0.5, Hungarian per frame, as the cost
models are labelled), or none when fewer than half of its boxes match one person.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mot.pipeline import majority_person, match_to_ground_truth
from mot.types import DetectionTable, GroundTruth, Tracks

IntArray = NDArray[np.int64]


def track_persons(tracks: Tracks, ground_truth: GroundTruth, threshold: float = 0.5) -> tuple[IntArray, IntArray]:
    """``(ids, person)``: each track id (sorted) and its majority ground-truth person, -1 for none."""
    ids, _, person = _rows_and_persons(tracks, ground_truth, threshold)
    return ids, person


def _rows_and_persons(
    tracks: Tracks, ground_truth: GroundTruth, threshold: float = 0.5
) -> tuple[IntArray, IntArray, IntArray]:  # fmt: skip
    """``(ids, rows_track, person)``: sorted track ids, each row's index into them, each track's person."""
    ids, rows_track = np.unique(tracks.track_ids, return_inverse=True)
    ids, rows_track = ids.astype(np.int64), rows_track.ravel().astype(np.int64)
    if len(tracks) == 0:
        return ids, rows_track, np.zeros(0, dtype=np.int64)
    boxes = DetectionTable(tracks.frames, tracks.boxes_xyxy, tracks.scores, tracks.num_frames)  # same row order
    person = match_to_ground_truth(boxes, ground_truth, threshold)
    return ids, rows_track, majority_person(rows_track, person, len(ids))


def oracle_stitch(tracks: Tracks, ground_truth: GroundTruth, frame_rate: float, max_gap_seconds: float) -> Tracks:
    """Join tracks of the same person whose gap is at most ``max_gap_seconds`` (perfect long-range linking).

    A person's tracks are taken in order of their first frame; each continues the person's latest joined track when
    it starts after that one ends, at most ``max_gap_seconds`` later, and starts a new one otherwise (tracks that
    overlap in time are never joined: one id has one box per frame). Boxes are not added or moved, so only the
    identity metrics (IDF1, AssA, IDSW) can change.
    """
    if not max_gap_seconds >= 0:  # also rejects NaN
        raise ValueError(f"max_gap_seconds: expected a number of seconds >= 0, got {max_gap_seconds!r}")
    if not frame_rate > 0:
        raise ValueError(f"frame_rate: expected frames per second > 0, got {frame_rate!r}")
    ids, rows_track, person = _rows_and_persons(tracks, ground_truth)
    if len(ids) == 0:
        return tracks
    first = np.full(len(ids), np.iinfo(np.int64).max)
    last = np.full(len(ids), -1)
    np.minimum.at(first, rows_track, tracks.frames)
    np.maximum.at(last, rows_track, tracks.frames)
    joined_to = np.arange(len(ids))
    for someone in np.unique(person[person >= 0]):  # one iteration per person, not per box
        own = np.flatnonzero(person == someone)
        own = own[np.argsort(first[own], kind="stable")]
        current, current_last = own[0], last[own[0]]
        for track in own[1:]:
            gap = (first[track] - current_last) / frame_rate
            if first[track] > current_last and gap <= max_gap_seconds:
                joined_to[track] = joined_to[current]
                current_last = max(current_last, last[track])
            else:
                current, current_last = track, last[track]
    return Tracks(tracks.frames, ids[joined_to][rows_track], tracks.boxes_xyxy, tracks.scores, tracks.num_frames)


def oracle_drop_false_tracks(tracks: Tracks, ground_truth: GroundTruth) -> Tracks:
    """Drop every track that is not mostly one person (perfect track-level confidence; per-box errors remain)."""
    ids, rows_track, person = _rows_and_persons(tracks, ground_truth)
    if len(ids) == 0:
        return tracks
    keep = (person >= 0)[rows_track]
    return tracks.select(np.flatnonzero(keep))
