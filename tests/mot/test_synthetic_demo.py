"""The synthetic scene (``mot.synthetic``), track rendering (``mot.render``) and the demo (``mot.demo``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from mot.boxes import iou_matrix
from mot.demo import run_demo
from mot.io import MOTSequence, read_results
from mot.render import PALETTE, RenderError, id_color, render_frame, render_tracks
from mot.synthetic import SyntheticScene, make_scene, miss_probability, write_mot_sequence
from mot.types import Tracks


@pytest.fixture(scope="module")
def scene() -> SyntheticScene:
    return make_scene(seed=0)


def match_detections(scene: SyntheticScene) -> tuple[np.ndarray, np.ndarray]:
    """(gt row matched by a detection?, detection matched by a gt row?) per frame at IoU >= 0.5 (Hungarian)."""
    gt, det = scene.ground_truth, scene.detections
    gt_hit, det_hit = np.zeros(len(gt), bool), np.zeros(len(det), bool)
    for frame in range(scene.num_frames):
        g0, g1 = np.searchsorted(gt.frames, [frame, frame + 1])
        d0, d1 = np.searchsorted(det.frames, [frame, frame + 1])
        if g1 == g0 or d1 == d0:
            continue
        iou = iou_matrix(gt.boxes_xyxy[g0:g1], det.boxes_xyxy[d0:d1])
        rows, cols = linear_sum_assignment(-iou)
        good = iou[rows, cols] >= 0.5
        gt_hit[g0 + rows[good]] = True
        det_hit[d0 + cols[good]] = True
    return gt_hit, det_hit


# --- the scene ----------------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_scene_and_other_seeds_differ(scene: SyntheticScene) -> None:
    again = make_scene(seed=0)
    for name in ("frames", "track_ids", "boxes_xyxy", "visibility", "consider", "class_ids"):
        np.testing.assert_array_equal(getattr(again.ground_truth, name), getattr(scene.ground_truth, name))
    for name in ("frames", "boxes_xyxy", "scores"):
        np.testing.assert_array_equal(getattr(again.detections, name), getattr(scene.detections, name))
    np.testing.assert_array_equal(again.frame(100), scene.frame(100))
    other = make_scene(seed=1)
    assert len(other.detections) != len(scene.detections) or not np.array_equal(
        other.detections.boxes_xyxy, scene.detections.boxes_xyxy
    )
    assert not np.array_equal(other.frame(100), scene.frame(100))


def test_info_matches_the_arguments() -> None:
    small = make_scene(seed=3, num_frames=40, frame_rate=30.0, width=640, height=360, num_people=3)
    assert (small.info.num_frames, small.info.frame_rate, small.info.width, small.info.height) == (40, 30.0, 640, 360)
    assert small.ground_truth.num_frames == small.detections.num_frames == 40
    assert set(small.ground_truth.track_ids.tolist()) <= {1, 2, 3}
    assert small.frame(0).shape == (360, 640, 3)


@pytest.mark.parametrize(
    "kwargs", [{"num_frames": 0}, {"frame_rate": 0.0}, {"frame_rate": float("nan")}, {"num_people": -1}, {"width": 10}]
)
def test_make_scene_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        make_scene(**kwargs)


def test_no_people_gives_only_clutter() -> None:
    empty = make_scene(seed=0, num_frames=30, num_people=0)
    assert len(empty.ground_truth) == 0 and len(empty.detections) > 0
    assert empty.frame(5).dtype == np.uint8


def test_ground_truth_is_valid(scene: SyntheticScene) -> None:
    gt, info = scene.ground_truth, scene.info
    pairs = np.column_stack([gt.frames, gt.track_ids])
    assert len(np.unique(pairs, axis=0)) == len(gt), "an id twice in one frame"
    assert np.all(gt.boxes_xyxy[:, :2] >= 0) and np.all(gt.boxes_xyxy[:, 2] <= info.width)
    assert np.all(gt.boxes_xyxy[:, 3] <= info.height)
    assert np.all(gt.boxes_xyxy[:, 2:] - gt.boxes_xyxy[:, :2] >= 1)
    assert np.all((gt.visibility >= 0) & (gt.visibility <= 1))
    assert np.all(gt.class_ids == 1) and np.all(gt.consider)
    assert set(gt.track_ids.tolist()) == set(range(1, 9))
    heights = gt.boxes_xyxy[:, 3] - gt.boxes_xyxy[:, 1]
    assert 0.1 * info.height < np.median(heights) < 0.6 * info.height


def test_people_enter_and_leave_at_the_borders(scene: SyntheticScene) -> None:
    gt, width = scene.ground_truth, scene.info.width
    border_touch = lambda row: gt.boxes_xyxy[row, 0] <= 1 or gt.boxes_xyxy[row, 2] >= width - 1  # noqa: E731
    for person in np.unique(gt.track_ids):
        rows = np.flatnonzero(gt.track_ids == person)
        first, last = rows[np.argmin(gt.frames[rows])], rows[np.argmax(gt.frames[rows])]
        if gt.frames[first] > 0:
            assert border_touch(first), f"person {person} appears inside the image"
        if gt.frames[last] < scene.num_frames - 1:
            assert border_touch(last), f"person {person} vanishes inside the image"
        steps = np.diff(gt.frames[rows])
        assert np.all(steps == 1), f"person {person} leaves the ground truth mid-way"


def test_occlusions_happen(scene: SyntheticScene) -> None:
    gt, info = scene.ground_truth, scene.info
    boxes = gt.boxes_xyxy
    inside = (boxes[:, 0] > 1) & (boxes[:, 2] < info.width - 1)  # not truncated: any loss is occlusion
    occluded = inside & (gt.visibility < 0.5)
    assert occluded.sum() > 30
    assert len(np.unique(gt.track_ids[occluded])) >= 3
    assert (gt.visibility < 0.05).any(), "someone is (nearly) fully hidden at some point"
    assert (gt.visibility > 0.99).mean() > 0.4, "most of the time people are fully visible"


def test_people_cross_each_other(scene: SyntheticScene) -> None:
    """Two people swap their left-right order while their boxes overlap."""
    gt = scene.ground_truth
    centre_x = {}
    for person in np.unique(gt.track_ids).tolist():
        rows = gt.track_ids == person
        centres = 0.5 * (gt.boxes_xyxy[rows, 0] + gt.boxes_xyxy[rows, 2])
        centre_x[person] = dict(zip(gt.frames[rows].tolist(), centres.tolist(), strict=True))
    crossings = 0
    people = sorted(centre_x)
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            both = sorted(set(centre_x[a]) & set(centre_x[b]))
            if len(both) < 2:
                continue
            sign = np.sign([centre_x[a][f] - centre_x[b][f] for f in both])
            crossings += int(np.any(sign[1:] != sign[:-1]))
    assert crossings >= 3


def test_detections_have_misses_false_positives_and_scores_follow_visibility(scene: SyntheticScene) -> None:
    gt, det = scene.ground_truth, scene.detections
    gt_hit, det_hit = match_detections(scene)
    recall = gt_hit.mean()
    assert 0.6 < recall < 0.98
    hidden, clear = gt.visibility < 0.3, gt.visibility > 0.9
    assert gt_hit[hidden].mean() < 0.5 < 0.9 < gt_hit[clear].mean(), "misses rise as visibility falls"
    false_per_frame = (~det_hit).sum() / scene.num_frames
    assert 1.0 < false_per_frame < 5.0
    assert np.mean(det.scores[det_hit]) > np.mean(det.scores[~det_hit]) + 0.2
    assert np.all(np.isfinite(det.scores)) and np.all((det.scores > 0) & (det.scores < 1))
    w, h = scene.info.width, scene.info.height
    assert np.all(det.boxes_xyxy >= 0)
    assert np.all(det.boxes_xyxy[:, [0, 2]] <= w) and np.all(det.boxes_xyxy[:, [1, 3]] <= h)


def test_misses_come_in_runs(scene: SyntheticScene) -> None:
    gt = scene.ground_truth
    gt_hit, _ = match_detections(scene)
    order = np.lexsort((gt.frames, gt.track_ids))
    missed, ids, frames = ~gt_hit[order], gt.track_ids[order], gt.frames[order]
    consecutive = (ids[1:] == ids[:-1]) & (frames[1:] == frames[:-1] + 1)
    after_miss = missed[1:][consecutive & missed[:-1]].mean()
    assert after_miss > 2 * missed.mean()


def test_miss_probability_falls_with_visibility() -> None:
    p = miss_probability(np.linspace(0, 1, 11))
    assert np.all(np.diff(p) < 0) and p[0] > 0.95 and p[-1] < 0.03


def test_frames_show_people_inside_their_boxes(scene: SyntheticScene) -> None:
    frame = 150
    image = scene.frame(frame)
    assert image.shape == (scene.info.height, scene.info.width, 3) and image.dtype == np.uint8
    empty = make_scene(seed=0, num_frames=scene.num_frames, num_people=0).frame(frame)
    gt = scene.ground_truth
    rows = np.flatnonzero((gt.frames == frame) & (gt.visibility > 0.9))
    assert len(rows) >= 2
    for x1, y1, x2, y2 in np.round(gt.boxes_xyxy[rows]).astype(int):
        changed = np.abs(image[y1:y2, x1:x2].astype(int) - empty[y1:y2, x1:x2]).sum(axis=2) > 30
        assert changed.mean() > 0.25, "the person is drawn in its ground-truth box"
    with pytest.raises(IndexError):
        scene.frame(scene.num_frames)


def test_write_mot_sequence_round_trips_through_motsequence(scene: SyntheticScene, tmp_path: Path) -> None:
    folder = write_mot_sequence(scene, tmp_path / "SYNTH-01")
    sequence = MOTSequence(folder)
    assert sequence.name == "SYNTH-01"
    assert (sequence.info.num_frames, sequence.info.frame_rate) == (scene.num_frames, scene.info.frame_rate)
    assert (sequence.info.width, sequence.info.height) == (scene.info.width, scene.info.height)
    gt, read_gt = scene.ground_truth, sequence.ground_truth()
    np.testing.assert_array_equal(read_gt.frames, gt.frames)
    np.testing.assert_array_equal(read_gt.track_ids, gt.track_ids)
    np.testing.assert_allclose(read_gt.boxes_xyxy, gt.boxes_xyxy, atol=2e-3)
    np.testing.assert_allclose(read_gt.visibility, gt.visibility, atol=1e-5)
    np.testing.assert_array_equal(read_gt.class_ids, gt.class_ids)
    np.testing.assert_array_equal(read_gt.consider, gt.consider)
    det, read_det = scene.detections, sequence.detections()
    np.testing.assert_array_equal(read_det.frames, det.frames)
    np.testing.assert_allclose(read_det.boxes_xyxy, det.boxes_xyxy, atol=2e-3)
    np.testing.assert_allclose(read_det.scores, det.scores, atol=1e-4)
    first_line = (folder / "gt" / "gt.txt").read_text().splitlines()[0].split(",")
    assert len(first_line) == 9 and int(first_line[0]) >= 1


def test_write_mot_sequence_can_write_images(tmp_path: Path) -> None:
    small = make_scene(seed=2, num_frames=3, width=320, height=180, num_people=2)
    sequence = MOTSequence(write_mot_sequence(small, tmp_path / "S", images=True))
    image = sequence.frame(2)
    assert image.shape == (180, 320, 3)
    assert np.abs(image.astype(int) - small.frame(2)).mean() < 8  # jpeg


# --- rendering ----------------------------------------------------------------------------------------------------


def walking_tracks(num_frames: int) -> Tracks:
    f = np.arange(num_frames)
    boxes = np.concatenate([
        np.column_stack([20 + 3 * f, 40 + 0 * f, 60 + 3 * f, 140 + 0 * f]),
        np.column_stack([250 - 2 * f, 50 + 0 * f, 290 - 2 * f, 150 + 0 * f]),
    ])  # fmt: skip
    return Tracks(np.concatenate([f, f]), np.repeat([4, 11], num_frames), boxes, np.ones(2 * num_frames), num_frames)


def read_video(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def test_render_tracks_writes_a_readable_mp4_with_every_frame(tmp_path: Path) -> None:
    tracks = walking_tracks(30)
    frames = (np.full((180, 320, 3), 90, np.uint8) for _ in range(30))
    out = render_tracks(frames, tracks, tmp_path / "videos" / "out.mp4", frame_rate=25.0)
    assert out == tmp_path / "videos" / "out.mp4" and out.is_file()
    assert [p.name for p in out.parent.iterdir()] == ["out.mp4"], "no temporary file left behind"
    video = read_video(out)
    assert len(video) == 30 and video[0].shape == (180, 320, 3)
    capture = cv2.VideoCapture(str(out))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(25.0)
    capture.release()
    # the box of id 4 at frame 20 (x 80..120) is drawn in its colour (within codec error)
    edge = video[20][90, 79:82].astype(int)
    assert np.abs(edge - np.array(id_color(4))).sum(axis=1).min() < 90


def test_render_tracks_with_ground_truth_and_grey_frames(scene: SyntheticScene, tmp_path: Path) -> None:
    tracks = scene.ground_truth.as_tracks().select(scene.ground_truth.frames < 5)
    tracks = Tracks(tracks.frames, tracks.track_ids, tracks.boxes_xyxy, tracks.scores, 5)
    grey = (cv2.cvtColor(scene.frame(i), cv2.COLOR_BGR2GRAY) for i in range(5))
    out = render_tracks(grey, tracks, tmp_path / "gt.mp4", 25.0, trail_seconds=0.5, ground_truth=scene.ground_truth)
    assert len(read_video(out)) == 5


def test_render_tracks_errors_are_clear(tmp_path: Path) -> None:
    tracks = walking_tracks(3)
    with pytest.raises(RenderError, match="cannot open a video writer"):
        render_tracks([np.zeros((64, 64, 3), np.uint8)] * 3, tracks, tmp_path / "out.unknownformat", 25.0)
    with pytest.raises(RenderError, match="no frames"):
        render_tracks([], tracks, tmp_path / "out.mp4", 25.0)
    with pytest.raises(RenderError, match="size of the first frame"):
        mixed = [np.zeros((64, 64, 3), np.uint8), np.zeros((32, 64, 3), np.uint8)]
        render_tracks(mixed, tracks, tmp_path / "o.mp4", 25.0)
    with pytest.raises(ValueError, match="frame_rate"):
        render_tracks([np.zeros((64, 64, 3), np.uint8)], tracks, tmp_path / "o.mp4", 0.0)
    assert list(tmp_path.iterdir()) == [], "failed renders leave no file"


def test_id_color_is_stable_distinct_for_neighbours_and_from_the_palette() -> None:
    assert id_color(7) == id_color(7) == id_color(np.int64(7))
    colours = [id_color(i) for i in range(1, len(PALETTE) + 1)]
    assert len(set(colours)) == len(PALETTE)
    assert all(c in PALETTE for c in colours + [id_color(-5), id_color(2**40)])
    assert all(0 <= v <= 255 for c in colours for v in c)


def test_render_frame_draws_boxes_and_trails_without_touching_the_input() -> None:
    image = np.full((200, 300, 3), 100, np.uint8)
    trail = np.array([[50.0, 150.0], [70.0, 150.0], [90.0, 150.0]])
    drawn = render_frame(image, [3], [[80, 50, 120, 150]], [trail], frame_index=0)
    assert np.all(image == 100)
    assert tuple(drawn[100, 80]) == id_color(3)  # left edge of the box
    assert tuple(drawn[150, 60]) == id_color(3)  # on the trail
    assert np.any(drawn[:20, :80] != 100)  # frame number overlay
    with pytest.raises(ValueError, match="same length"):
        render_frame(image, [1, 2], [[0, 0, 10, 10]], None)


def test_trails_cover_the_last_trail_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[int], list[int]]] = []
    import mot.render

    real = mot.render.render_frame

    def spy(image, ids, boxes, trails, **kwargs):
        seen.append((list(np.asarray(ids)), [len(t) for t in trails]))
        return real(image, ids, boxes, trails, **kwargs)

    monkeypatch.setattr(mot.render, "render_frame", spy)
    render_tracks((np.zeros((200, 320, 3), np.uint8) for _ in range(30)), walking_tracks(30), tmp_path / "t.mp4",
                  frame_rate=10.0, trail_seconds=0.5)  # fmt: skip
    assert seen[0] == ([4, 11], [1, 1])
    assert seen[3] == ([4, 11], [4, 4])
    assert seen[20] == ([4, 11], [6, 6])  # frames 15..20


# --- the demo -----------------------------------------------------------------------------------------------------


def test_run_demo_end_to_end_on_a_short_scene(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", seed=0, num_frames=120)
    metrics = result.metrics
    assert metrics["MOTA"] > 50 and metrics["IDF1"] > 50, result.report.table()
    assert result.sequence_dir == tmp_path / "demo" / "data" / "SYNTH-01"
    assert (result.sequence_dir / "gt" / "gt.txt").is_file() and (result.sequence_dir / "det" / "det.txt").is_file()
    assert len(read_results(result.results_path, 120)) == len(result.tracks) > 0
    assert result.video_path == tmp_path / "demo" / "demo.mp4" and len(read_video(result.video_path)) == 120
    summary = result.summary()
    for expected in ("MOTA", "IDF1", "HOTA", "SYNTH-01", str(result.results_path), str(result.video_path)):
        assert expected in summary
    assert set(result.seconds) == {"generate", "track", "evaluate", "render"}


def test_run_demo_is_deterministic_and_can_skip_rendering(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "a", seed=1, num_frames=60, render=False, online=True)
    second = run_demo(tmp_path / "b", seed=1, num_frames=60, render=False, online=True)
    assert first.video_path is None and not (tmp_path / "a" / "demo.mp4").exists()
    assert first.metrics == second.metrics
    assert first.results_path.read_text() == second.results_path.read_text()
