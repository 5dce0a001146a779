"""The hand-off of lost tracks to a follower: ``StreamUpdate.lost`` (``reid.LostTrack``) and the ``Follower`` protocol."""

from __future__ import annotations

import numpy as np

from mot.api import StreamingTracker
from mot.pipeline import TrackerConfig
from mot.types import Detections
from reid import Follower, LostTrack

FPS = 25.0


def box(x: float, y: float) -> list[float]:
    return [x, y, x + 40.0, y + 100.0]


def scene(num_frames: int = 200) -> dict[int, list[tuple[str, list[float]]]]:
    """A walks throughout; B is occluded for frames 60..84 and comes back on its line; C leaves after frame 69."""
    people: dict[int, list[tuple[str, list[float]]]] = {f: [] for f in range(num_frames)}
    for f in range(num_frames):
        people[f].append(("A", box(50 + 3.0 * f, 100)))
        if not 60 <= f < 85:
            people[f].append(("B", box(900 - 2.5 * f, 400)))
        if f < 70:
            people[f].append(("C", box(300 + 1.0 * f, 650)))
    return people


def decisions(tracker: StreamingTracker, num_frames: int) -> dict[int, int]:
    """``{call frame: newest frame it decides}`` for the calls of ``update`` that decide."""
    first = tracker.window_frames - 1
    return {f: f - tracker.lookahead_frames for f in range(first, num_frames, tracker.decided_frames)}


def test_lost_tracks_are_reported_with_each_decision_until_the_track_closes() -> None:
    people = scene()
    tracker = StreamingTracker(FPS)
    decided_at = decisions(tracker, len(people))  # 25 frames decided with 25 of look-ahead: calls 49, 74, ...
    assert sorted(decided_at.values()) == [24, 49, 74, 99, 124, 149, 174]
    config = TrackerConfig()
    ids_of: dict[str, set[int]] = {"A": set(), "B": set(), "C": set()}
    reports: dict[int, list[LostTrack]] = {}
    for f, rows in people.items():
        update = tracker.update(detections=Detections(np.array([b for _, b in rows]), np.full(len(rows), 0.9)))
        for obj in update.final:
            name = [n for n, b in people[obj.frame] if np.allclose(b, obj.box_xyxy)][0]
            ids_of[name].add(obj.track_id)
        if f in decided_at:
            reports[decided_at[f]] = update.lost
        else:
            assert update.lost == []  # only calls that decide report lost tracks
    assert all(len(ids) == 1 for ids in ids_of.values())  # B's occlusion was bridged by the association
    (b_id,), (c_id,) = ids_of["B"], ids_of["C"]
    assert reports[24] == [] and reports[49] == []  # everyone was detected in those frames
    # Frame 74: B is occluded (last seen 59) and C has left (last seen 69); both are handed over, by id.
    assert [(lost.track_id, lost.last_frame) for lost in reports[74]] == sorted([(b_id, 59), (c_id, 69)])
    window_frames = int(np.ceil(config.linking.joint_window_seconds * FPS))
    for decided in (74, 99, 124, 149):  # C is open (within LinkingParams.lifted_seconds) but undetected
        lost = [lost for lost in reports[decided] if lost.track_id == c_id][0]
        assert isinstance(lost, LostTrack)
        assert lost.last_frame == 69
        np.testing.assert_array_equal(lost.last_box_xyxy, box(369.0, 650))
        assert lost.recent_frames.tolist() == list(range(69 - window_frames, 70))
        np.testing.assert_array_equal(lost.recent_boxes, [box(300 + 1.0 * f, 650) for f in lost.recent_frames])
        assert lost.relink_until_frame == 69 + round(config.linking.max_link_seconds * FPS)
    assert [lost.track_id for lost in reports[99]] == [c_id]  # B is back (frame 85 on)
    assert reports[174] == []  # C closed (no detection for lifted_seconds): nothing left to follow
    assert tracker.finish().lost == []


def test_a_track_missing_only_in_the_newest_decided_frame_is_lost_and_one_seen_there_is_not() -> None:
    tracker = StreamingTracker(FPS)
    newest = tracker.decided_frames - 1  # the newest frame the first decision decides
    for f in range(tracker.window_frames):
        rows = [box(50 + 3.0 * f, 100)] + ([box(500, 400 + 0.5 * f)] if f != newest else [])
        update = tracker.update(detections=Detections(np.array(rows), np.full(len(rows), 0.9)))
    assert [lost.last_frame for lost in update.lost] == [newest - 1]


def test_follower_protocol_is_structural() -> None:
    class StandStill:
        name = "stand-still"

        def start(self, frame: np.ndarray, box_xyxy: np.ndarray) -> None:
            self.box = np.asarray(box_xyxy, dtype=np.float64)

        def step(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
            return self.box, 1.0

    class NoStep:
        name = "incomplete"

        def start(self, frame: np.ndarray, box_xyxy: np.ndarray) -> None: ...

    assert isinstance(StandStill(), Follower)
    assert not isinstance(NoStep(), Follower)
