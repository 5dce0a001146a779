"""The streaming API and frame sources."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from mot.api import StreamingTracker, track
from mot.errors import MOTError
from mot.io import SequenceInfo
from mot.pipeline import TrackerConfig, track_sequence
from mot.sources import open_source
from mot.types import Detections, DetectionTable


def walking_scene(num_frames: int = 120, frame_rate: float = 25.0) -> tuple[DetectionTable, SequenceInfo]:
    """Three people on straight lines, seeded misses."""
    rng = np.random.default_rng(7)
    frames, boxes = [], []
    for person, (x0, y0, vx) in enumerate([(50, 100, 3.0), (600, 300, -2.5), (200, 500, 1.5)]):
        for f in range(num_frames):
            if rng.random() < 0.1:
                continue
            x = x0 + vx * f
            frames.append(f)
            boxes.append([x, y0, x + 40, y0 + 100])
    table = DetectionTable(np.array(frames), np.array(boxes, dtype=float), np.full(len(frames), 0.9), num_frames)
    return table, SequenceInfo("walk", frame_rate, num_frames, 1000, 800)


def test_streaming_equals_online_batch_and_every_detection_is_decided_once() -> None:
    detections, info = walking_scene()
    tracker = StreamingTracker(info.frame_rate)
    assert tracker.latency_seconds == pytest.approx(TrackerConfig().online_latency_seconds)
    decided = []
    for index in range(info.num_frames):
        update = tracker.update(detections=detections.at(index))
        assert update.frame == index
        assert all(not o.final and o.frame == index for o in update.provisional)
        assert len(update.provisional) == len(detections.at(index))
        assert all(o.final and o.track_id >= 1 for o in update.final)
        # Decided at most the latency after arriving, and only after its look-ahead frames arrived too.
        assert all(tracker.lookahead_frames <= index - o.frame < tracker.window_frames for o in update.final)
        decided.extend(update.final)
    decided.extend(tracker.finish().final)
    assert len(decided) == len(detections)  # every (kept) detection decided exactly once
    assert sorted(o.frame for o in decided) == sorted(detections.frames.tolist())
    streamed = tracker.tracks()
    batch = track_sequence(detections, info, online=True)
    np.testing.assert_array_equal(streamed.frames, batch.frames)
    np.testing.assert_array_equal(streamed.track_ids, batch.track_ids)
    np.testing.assert_allclose(streamed.boxes_xyxy, batch.boxes_xyxy)


def test_provisional_ids_are_negative_until_decided_then_follow_final_ids() -> None:
    detections, info = walking_scene()
    tracker = StreamingTracker(info.frame_rate)
    first = tracker.update(detections=detections.at(0))
    assert first.provisional and all(o.track_id < 0 for o in first.provisional)
    window = tracker.window_frames
    for index in range(1, window):
        tracker.update(detections=detections.at(index))
    after = tracker.update(detections=detections.at(window))
    final_ids = {o.track_id for o in after.provisional}
    assert final_ids and all(i >= 1 for i in final_ids)  # carried over from the decided window


def test_reset_restarts_ids_and_frames() -> None:
    detections, info = walking_scene(60)
    tracker = StreamingTracker(info.frame_rate)
    for index in range(60):
        tracker.update(detections=detections.at(index))
    first_ids = tracker.finish()
    tracker.reset()
    assert tracker.update(detections=detections.at(0)).frame == 0
    for index in range(1, 60):
        tracker.update(detections=detections.at(index))
    tracker.finish()
    assert tracker.tracks().track_ids.min() == 1
    assert first_ids.frame == 59


def test_update_uses_the_detector_for_frames_and_refuses_without_one() -> None:
    class FixedDetector:
        name = "fixed"
        calls = 0

        def settings(self) -> dict:
            return {}

        def detect(self, frame: np.ndarray) -> Detections:
            FixedDetector.calls += 1
            return Detections(np.array([[10.0, 10, 50, 110]]), np.array([0.9]))

    tracker = StreamingTracker(25.0, detector=FixedDetector())
    update = tracker.update(np.zeros((200, 200, 3), np.uint8))
    assert FixedDetector.calls == 1 and len(update.provisional) == 1
    with pytest.raises(MOTError, match="needs detections"):
        StreamingTracker(25.0).update(np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="frame_rate"):
        StreamingTracker(0.0)


def test_track_batch_entry_points(shared_data: Path) -> None:
    detections, info = walking_scene()
    tracks = track(detections, frame_rate=info.frame_rate)
    assert len(tracks.unique_ids) >= 3
    with pytest.raises(MOTError, match="frame_rate"):
        track(detections)
    assert len(track(shared_data / "MOT15/train/TUD-Campus").unique_ids) >= 5
    with pytest.raises(MOTError, match="det/det.txt"):
        track(shared_data / "video/PETS09-S2L1.mp4")


def test_sources(tmp_path: Path, shared_data: Path) -> None:
    frames = [np.full((48, 64, 3), i, np.uint8) for i in range(5)]
    listed = open_source(frames, frame_rate=10)
    assert listed.num_frames == 5 and [int(f[0, 0, 0]) for f in listed] == [0, 1, 2, 3, 4]
    folder = tmp_path / "images"
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:04d}.png"), frame)
    images = open_source(folder)
    assert images.num_frames == 5 and images.frame_rate is None
    assert [int(f[0, 0, 0]) for f in images] == [0, 1, 2, 3, 4]
    video = open_source(shared_data / "video/PETS09-S2L1.mp4")
    assert video.frame_rate == pytest.approx(7.0) and video.num_frames == 795
    assert next(iter(video)).shape == (576, 768, 3)
    sequence = open_source(shared_data / "MOT15/train/PETS09-S2L1")
    assert sequence.frame_rate == 7.0 and next(iter(sequence)).shape == (576, 768, 3)
    with pytest.raises(MOTError, match="found nothing there"):
        open_source(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MOTError, match="found no images"):
        open_source(tmp_path / "empty")
    with pytest.raises(MOTError):
        list(open_source(str(tmp_path / "not-a-video.mp4") + "x"))
