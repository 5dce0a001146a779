"""Benchmark peers (``mot.peers``) on a tiny synthetic scene: two people walking in straight lines."""

from __future__ import annotations

import numpy as np
import pytest

from mot.errors import MissingDependencyError
from mot.io import SequenceInfo
from mot.peers import PEERS, available_peers, run_peer
from mot.types import DetectionTable, Tracks

NUM_FRAMES = 30
EMPTY_FRAMES = (0, 1, 15, 29)  # at the start, in the middle and at the end: the peers must still see them


def _walker(start_x: float, top: float, step: float) -> np.ndarray:
    """(NUM_FRAMES, 4) xyxy boxes, 40 x 100 pixels, moving ``step`` pixels per frame along x."""
    left = start_x + step * np.arange(NUM_FRAMES)
    return np.column_stack([left, np.full(NUM_FRAMES, top), left + 40.0, np.full(NUM_FRAMES, top + 100.0)])


@pytest.fixture(scope="module")
def scene() -> tuple[DetectionTable, SequenceInfo, np.ndarray]:
    """Detections of two walkers (score 0.9; none in ``EMPTY_FRAMES``), the info, and the true boxes (2, T, 4)."""
    truth = np.stack([_walker(100.0, 100.0, 4.0), _walker(400.0, 150.0, -3.0)])
    seen = np.setdiff1d(np.arange(NUM_FRAMES), EMPTY_FRAMES)
    frames = np.concatenate([seen, seen])
    boxes = np.concatenate([truth[0, seen], truth[1, seen]])
    detections = DetectionTable(frames, boxes, np.full(len(frames), 0.9), NUM_FRAMES)
    info = SequenceInfo(name="walkers", frame_rate=30.0, num_frames=NUM_FRAMES, width=640, height=480)
    return detections, info, truth


def _person_of_each_row(tracks: Tracks, truth: np.ndarray) -> np.ndarray:
    """Index of the walker each output box lies on (nearest centre), for every row."""
    centres = (tracks.boxes_xyxy[:, :2] + tracks.boxes_xyxy[:, 2:]) / 2
    true_centres = (truth[:, tracks.frames, :2] + truth[:, tracks.frames, 2:]) / 2  # (2, N, 2)
    distances = np.linalg.norm(true_centres - centres[None], axis=2)
    return distances.argmin(axis=0)


def test_peer_names_are_fixed() -> None:
    assert PEERS == (
        "trackers.SORT", "trackers.ByteTrack", "trackers.OCSORT", "trackers.BoTSORT",
        "boxmot.ByteTrack", "boxmot.OcSort", "boxmot.BoostTrack",
    )  # fmt: skip
    assert set(available_peers()) <= set(PEERS)


def test_unknown_peer_lists_the_valid_names(scene) -> None:
    detections, info, _ = scene
    with pytest.raises(ValueError, match="unknown peer 'sort'") as caught:
        run_peer("sort", detections, info)
    for name in PEERS:
        assert name in str(caught.value)


def test_missing_package_names_the_extra(scene, monkeypatch) -> None:
    detections, info, _ = scene

    def missing(name: str, *args, **kwargs):
        raise ImportError(f"No module named {name!r}", name=name)

    monkeypatch.setattr("mot.peers.importlib.import_module", missing)
    with pytest.raises(MissingDependencyError, match="boxmot") as caught:
        run_peer("boxmot.OcSort", detections, info)
    assert caught.value.extra == "peers"


@pytest.mark.parametrize("name", PEERS)
def test_peer_tracks_two_walkers(name: str, scene) -> None:
    pytest.importorskip(name.split(".")[0])
    detections, info, truth = scene
    tracks, seconds = run_peer(name, detections, info)

    assert isinstance(tracks, Tracks)
    assert tracks.num_frames == NUM_FRAMES
    assert len(tracks) >= 30  # most of the 52 detections come out with an id
    assert tracks.frames.min() >= 0 and tracks.frames.max() < NUM_FRAMES
    assert tracks.track_ids.min() >= 1
    assert np.isfinite(tracks.scores).all()
    assert seconds >= 0.0

    # two dominant identities, one per walker, covering nearly every box
    person = _person_of_each_row(tracks, truth)
    dominant = []
    for index in (0, 1):
        ids, counts = np.unique(tracks.track_ids[person == index], return_counts=True)
        assert len(ids), f"{name}: no box on walker {index}"
        dominant.append(ids[counts.argmax()])
        assert counts.max() >= 0.8 * counts.sum(), f"{name}: walker {index} split over ids {ids} ({counts})"
    assert dominant[0] != dominant[1]
    assert np.isin(tracks.track_ids, dominant).mean() >= 0.9


@pytest.mark.parametrize("name", PEERS)
def test_peer_runs_on_a_sequence_without_detections(name: str, scene) -> None:
    pytest.importorskip(name.split(".")[0])
    _, info, _ = scene
    empty = DetectionTable(np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0), NUM_FRAMES)
    tracks, seconds = run_peer(name, empty, info)
    assert len(tracks) == 0 and tracks.num_frames == NUM_FRAMES and seconds >= 0.0
