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


def test_lost_tracks_are_reported_with_each_decision_until_the_track_closes() -> None:
    people = scene()
    tracker = StreamingTracker(FPS)
    window = tracker.window_frames  # 50 frames: decisions at frames 49, 99, 149, 199
    config = TrackerConfig()
    ids_of: dict[str, set[int]] = {"A": set(), "B": set(), "C": set()}
    reports: dict[int, list[LostTrack]] = {}
    for f, rows in people.items():
        update = tracker.update(detections=Detections(np.array([b for _, b in rows]), np.full(len(rows), 0.9)))
        for obj in update.final:
            name = [n for n, b in people[obj.frame] if np.allclose(b, obj.box_xyxy)][0]
            ids_of[name].add(obj.track_id)
        if (f + 1) % window:
            assert update.lost == []  # only calls that decide report lost tracks
        else:
            reports[f] = update.lost
    assert all(len(ids) == 1 for ids in ids_of.values())  # B's occlusion was bridged by the association
    (c_id,) = ids_of["C"]
    assert reports[49] == []  # everyone was detected in frame 49
    for decided in (99, 149):  # C is open (within LinkingParams.lifted_seconds) but undetected: handed over
        (lost,) = reports[decided]
        assert isinstance(lost, LostTrack)
        assert lost.track_id == c_id and lost.last_frame == 69
        np.testing.assert_array_equal(lost.last_box_xyxy, box(369.0, 650))
        window_frames = int(np.ceil(config.linking.joint_window_seconds * FPS))
        assert lost.recent_frames.tolist() == list(range(69 - window_frames, 70))
        np.testing.assert_array_equal(lost.recent_boxes, [box(300 + 1.0 * f, 650) for f in lost.recent_frames])
        assert lost.relink_until_frame == 69 + round(config.linking.max_link_seconds * FPS)
    assert reports[199] == []  # C closed (no detection for lifted_seconds): nothing left to follow
    assert tracker.finish().lost == []


def test_a_track_missing_only_in_the_newest_frame_is_lost_and_one_seen_there_is_not() -> None:
    tracker = StreamingTracker(FPS)
    window = tracker.window_frames
    for f in range(window):
        rows = [box(50 + 3.0 * f, 100)] + ([box(500, 400 + 0.5 * f)] if f < window - 1 else [])
        update = tracker.update(detections=Detections(np.array(rows), np.full(len(rows), 0.9)))
    assert [lost.last_frame for lost in update.lost] == [window - 2]


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
