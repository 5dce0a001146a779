"""Detectors: registry, greedy NMS, HOG (against OpenCV 4's numbers), the torchvision NMS fallback (against brute
force), YOLO on a real frame, public detections' policy, and the on-disk detection cache."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detectors import (
    Detector,
    PublicDetections,
    available_detectors,
    cached_detections,
    detect_sequence,
    get_detector,
    greedy_nms,
)
from detectors.cache import cache_path
from detectors.hog import HogDetector, window_scores
from mot.boxes import iou_matrix
from mot.errors import MissingDependencyError
from mot.io import MOTSequence, read_detections
from mot.types import Detections

PETS = Path("MOT15/train/PETS09-S2L1")
REPO = Path(__file__).resolve().parents[2]


def brute_force_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Textbook greedy NMS, one pair at a time."""
    kept: list[int] = []
    for index in sorted(range(len(boxes)), key=lambda i: (-scores[i], i)):
        if all(iou_matrix(boxes[[index]], boxes[[k]])[0, 0] <= threshold for k in kept):
            kept.append(index)
    return kept


def random_boxes(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    corner = rng.uniform(0, 100, (count, 2))
    size = rng.uniform(5, 40, (count, 2))
    return np.hstack([corner, corner + size]), rng.permutation(count) / count  # distinct scores


def pets_frame0(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    sequence = MOTSequence(shared_data / PETS)
    gt = sequence.ground_truth()
    return sequence.frame(0), gt.boxes_xyxy[gt.frames == 0]


# --- registry -------------------------------------------------------------------------------------------------


def test_registry_names_and_errors():
    assert available_detectors() == ["hog", "yolo"]
    with pytest.raises(ValueError, match=r"unknown detector 'sift'.*\['hog', 'yolo'\]"):
        get_detector("sift")
    with pytest.raises(ValueError, match="PublicDetections"):
        get_detector("public")
    with pytest.raises(ValueError, match=r"no parameter\(s\) \['upscal'\].*upscale"):
        get_detector("hog", upscal=2.0)
    detector = get_detector("hog", upscale=1.5)
    assert isinstance(detector, Detector) and detector.name == "hog" and detector.upscale == 1.5
    json.dumps(detector.settings())


def test_importing_the_package_loads_nothing_heavy():
    heavy = ("torch", "ultralytics", "cv2", "torchvision", "tqdm")
    code = f"import sys, detectors; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- greedy NMS -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_greedy_nms_matches_brute_force(threshold):
    rng = np.random.default_rng(3)
    for _ in range(20):
        boxes, scores = random_boxes(rng, int(rng.integers(0, 30)))
        assert greedy_nms(boxes, scores, threshold).tolist() == brute_force_nms(boxes, scores, threshold)


def test_greedy_nms_min_neighbors_drops_isolated_boxes():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [0, 1, 10, 11], [50, 0, 60, 10]]
    assert greedy_nms(boxes, [0.9, 0.8, 0.7, 0.95], 0.5, min_neighbors=2).tolist() == [0]
    assert greedy_nms(boxes, [0.9, 0.8, 0.7, 0.95], 0.5).tolist() == [3, 0]


# --- HOG ------------------------------------------------------------------------------------------------------


def synthetic_image() -> np.ndarray:
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:160, 0:96]
    base = (80 + 60 * np.sin(xx / 7.0) * np.cos(yy / 11.0)).astype(np.float64)
    image = np.stack([base, base[::-1], base[:, ::-1]], axis=2) + rng.integers(0, 40, (160, 96, 3))
    image[40:140, 30:60] = 200
    return np.clip(image, 0, 255).astype(np.uint8)


#: OpenCV 4.14 ``HOGDescriptor()`` with the default people detector: ``detect(synthetic_image(), hitThreshold=-100,
#: winStride=(8, 8), padding=(0, 0))`` weights, by window row (y = 0, 8, ...) and column (x = 0, 8, ...).
OPENCV4_SCORES = [
    [-3.60868, -2.90729, -3.06791, -3.58265, -2.36112],
    [-4.12361, -2.57288, -3.03000, -3.36060, -2.61386],
    [-4.95052, -3.50239, -4.01402, -4.48169, -3.09745],
    [-5.29637, -4.64827, -4.85908, -4.87521, -3.31817],
    [-4.94116, -3.69116, -4.09945, -5.05601, -3.55452],
]


def test_hog_window_scores_match_opencv4():
    np.testing.assert_allclose(window_scores(synthetic_image()), OPENCV4_SCORES, atol=1e-4)


def test_hog_matches_installed_opencv_when_it_has_hog():
    cv2 = pytest.importorskip("cv2")
    if not hasattr(cv2, "HOGDescriptor"):
        pytest.skip(f"OpenCV {cv2.__version__} has no HOGDescriptor")
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    image = synthetic_image()
    locations, weights = hog.detect(image, hitThreshold=-100.0, winStride=(8, 8), padding=(0, 0))
    scores = window_scores(image)
    mine = [scores[y // 8, x // 8] for x, y in np.asarray(locations).reshape(-1, 2)]
    np.testing.assert_allclose(mine, np.ravel(weights), atol=1e-4)


@pytest.mark.parametrize("shape", [(160, 96, 3), (100, 50, 3), (300, 400, 3)])
def test_hog_returns_valid_detections_on_synthetic_frames(shape):
    image = np.zeros(shape, dtype=np.uint8)
    image[: min(shape[0], 160), : min(shape[1], 96)] = synthetic_image()[: shape[0], : shape[1]]
    detections = HogDetector().detect(image)
    assert isinstance(detections, Detections)
    assert detections.boxes_xyxy.dtype == np.float64 and detections.boxes_xyxy.shape[1] == 4
    assert (detections.scores >= 0.0).all()


def test_hog_rejects_bad_frames_and_parameters():
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        HogDetector().detect(np.zeros((128, 64), dtype=np.uint8))
    with pytest.raises(ValueError, match="scale_step"):
        HogDetector(scale_step=1.0)


def test_hog_finds_a_person_on_pets(shared_data):
    frame, gt = pets_frame0(shared_data)
    detections = HogDetector().detect(frame)
    assert len(detections) >= 1
    assert iou_matrix(detections.boxes_xyxy, gt).max() > 0.3


# --- torchvision NMS fallback and YOLO ------------------------------------------------------------------------


def test_torchvision_nms_matches_brute_force():
    torch = pytest.importorskip("torch")
    from detectors import ensure_torchvision_nms

    ensure_torchvision_nms()
    assert ensure_torchvision_nms() in (True, False)  # idempotent
    torchvision = pytest.importorskip("torchvision")
    rng = np.random.default_rng(11)
    for threshold in (0.2, 0.5, 0.7):
        for _ in range(10):
            boxes, scores = random_boxes(rng, int(rng.integers(0, 60)))
            expected = brute_force_nms(boxes, scores, threshold)
            b, s = torch.tensor(boxes, dtype=torch.float32), torch.tensor(scores, dtype=torch.float32)
            assert torch.ops.torchvision.nms(b, s, threshold).tolist() == expected
            assert torchvision.ops.nms(b, s, threshold).tolist() == expected
            classes = rng.integers(0, 3, len(boxes))
            per_class = sorted(
                (i for c in range(3) for i in np.flatnonzero(classes == c)[
                    brute_force_nms(boxes[classes == c], scores[classes == c], threshold)]),
                key=lambda i: -scores[i],
            )  # fmt: skip
            batched = torchvision.ops.batched_nms(b, s, torch.tensor(classes), threshold).tolist()
            assert batched == per_class
    assert torch.ops.torchvision.nms(torch.zeros((0, 4)), torch.zeros(0), 0.5).shape == (0,)


def test_yolo_without_ultralytics_names_the_extra(monkeypatch):
    import importlib.util

    from detectors.yolo import YoloDetector

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ultralytics" else real(name, *a))
    # Whichever of torch / torchvision / ultralytics is missing first is named (CI installs none of them).
    with pytest.raises(MissingDependencyError, match=r"'(torch|torchvision|ultralytics)'.*\.\[yolo\]") as error:
        YoloDetector()
    assert error.value.extra == "yolo"


def test_yolo_finds_people_on_pets(shared_data):
    pytest.importorskip("ultralytics")
    from detectors.yolo import YoloDetector

    try:
        detector = YoloDetector(threads=2)
    except MissingDependencyError as error:
        pytest.skip(f"no YOLO weights: {error}")
    frame, gt = pets_frame0(shared_data)
    detections = detector.detect(frame)
    assert detector.class_names == {0: "Normal", 1: "Fall"}
    iou = iou_matrix(detections.boxes_xyxy, gt)
    matched = int((iou.max(axis=0) >= 0.5).sum()) if len(detections) else 0
    assert matched >= 3
    assert ((detections.scores >= 0.25) & (detections.scores <= 1)).all()
    settings = json.loads(json.dumps(detector.settings()))
    assert settings["weights"].endswith("best.pt") and settings["confidence"] == 0.25


def test_yolo_rejects_missing_weights(tmp_path):
    pytest.importorskip("ultralytics")
    from detectors.yolo import YoloDetector

    with pytest.raises(FileNotFoundError, match="no such file"):
        YoloDetector(weights=tmp_path / "absent.pt")


# --- public detections ----------------------------------------------------------------------------------------


def write_det(path: Path) -> Path:
    rows = [
        "1,-1,0,0,10,20,0.9,-1,-1,-1",
        "1,-1,1,0,10,20,0.8,-1,-1,-1",  # IoU 0.82 with the first: suppressed at nms_iou 0.5
        "1,-1,50,0,10,20,0.3,-1,-1,-1",
        "2,-1,0,0,10,20,0.4,-1,-1,-1",
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_public_default_keeps_every_box_and_policy_filters(tmp_path):
    det = write_det(tmp_path / "det.txt")
    everything = PublicDetections(det, num_frames=3).table()
    assert len(everything) == 4 and everything.num_frames == 3
    assert PublicDetections(det, min_score=0.35).table().scores.tolist() == [0.9, 0.8, 0.4]
    assert PublicDetections(det, nms_iou=0.5).table().scores.tolist() == [0.9, 0.3, 0.4]
    both = PublicDetections(det, min_score=0.35, nms_iou=0.5)
    assert both.table().frames.tolist() == [0, 1] and len(both.at(0)) == 1
    assert json.loads(json.dumps(PublicDetections(det).settings()))["min_score"] == "-inf"
    with pytest.raises(ValueError, match="nms_iou"):
        PublicDetections(det, nms_iou=0.0)
    with pytest.raises(ValueError, match="min_score"):
        PublicDetections(det, min_score=math.nan)


def test_public_on_a_sequence(shared_data):
    folder = shared_data / PETS
    raw = read_detections(folder / "det" / "det.txt", 795)
    assert len(PublicDetections(folder).table()) == len(raw)
    filtered = PublicDetections(MOTSequence(folder), min_score=0.6, nms_iou=0.4).table()
    assert filtered.num_frames == 795 and (filtered.scores >= 0.6).all() and len(filtered) < len(raw)
    for frame in np.unique(filtered.frames)[:50]:
        boxes = filtered.at(int(frame)).boxes_xyxy
        overlap = iou_matrix(boxes, boxes) - np.eye(len(boxes))
        assert overlap.max() <= 0.4


# --- cache ----------------------------------------------------------------------------------------------------


class StubDetector:
    """One box per frame at x = the frame's first pixel value; ``offset`` changes the box width."""

    name = "stub"

    def __init__(self, offset: float = 0.0, weights_path: Path | None = None) -> None:
        self.offset = offset
        if weights_path is not None:
            self.weights_path = weights_path

    def settings(self) -> dict:
        return {"offset": self.offset}

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        x = float(frame_bgr[0, 0, 0])
        return Detections([[x, 0.0, x + 10.0 + self.offset, 20.0]], [0.5])


class CountingDetector:
    """Wraps a detector and counts ``detect`` calls."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0
        if hasattr(inner, "weights_path"):
            self.weights_path = inner.weights_path

    def settings(self) -> dict:
        return self.inner.settings()

    def detect(self, frame_bgr):
        self.calls += 1
        return self.inner.detect(frame_bgr)


def frames(count: int = 5):
    return lambda: (np.full((4, 4, 3), 10 * i, dtype=np.uint8) for i in range(count))


def test_cache_second_run_does_not_detect(tmp_path):
    detector = CountingDetector(StubDetector())
    first = cached_detections("seq-a", detector, frames(), 5, tmp_path, progress=False)
    assert detector.calls == 5 and first.num_frames == 5
    second = cached_detections("seq-a", detector, frames(), 5, tmp_path, progress=False)
    assert detector.calls == 5
    np.testing.assert_array_equal(second.boxes_xyxy, first.boxes_xyxy)
    np.testing.assert_array_equal(second.frames, [0, 1, 2, 3, 4])
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]  # no temporary file left behind


def test_cache_key_changes_with_settings_weights_source_and_length(tmp_path):
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"v1")
    detector = CountingDetector(StubDetector(weights_path=weights))
    cached_detections("seq-a", detector, frames(), 5, tmp_path / "cache", progress=False)
    other = CountingDetector(StubDetector(offset=1.0, weights_path=weights))
    table = cached_detections("seq-a", other, frames(), 5, tmp_path / "cache", progress=False)
    assert other.calls == 5 and table.boxes_xyxy[0, 2] == 11.0
    weights.write_bytes(b"version 2")  # another size: another file
    cached_detections("seq-a", detector, frames(), 5, tmp_path / "cache", progress=False)
    assert detector.calls == 10
    cached_detections("seq-b", detector, frames(), 5, tmp_path / "cache", progress=False)
    cached_detections("seq-a", detector, frames(4), 4, tmp_path / "cache", progress=False)
    assert detector.calls == 19
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 5


def test_cache_recomputes_a_corrupt_file(tmp_path, caplog):
    detector = CountingDetector(StubDetector())
    cached_detections("seq-a", detector, frames(), 5, tmp_path, progress=False)
    path = cache_path("seq-a", detector, 5, tmp_path)
    path.write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING, logger="detectors.cache"):
        table = cached_detections("seq-a", detector, frames(), 5, tmp_path, progress=False)
    assert detector.calls == 10 and len(table) == 5
    assert "unreadable detection cache" in caplog.text
    cached_detections("seq-a", detector, frames(), 5, tmp_path, progress=False)
    assert detector.calls == 10  # the rewritten file is good


def test_cache_keys_a_real_sequence_folder(tmp_path, shared_data):
    folder = shared_data / PETS
    detector = CountingDetector(StubDetector())
    source_frames = lambda: (MOTSequence(folder).frame(i) for i in range(2))  # noqa: E731
    cached_detections(folder, detector, source_frames, 2, tmp_path, progress=False)
    cached_detections(str(folder) + "/", detector, source_frames, 2, tmp_path, progress=False)
    assert detector.calls == 2
    assert cache_path(folder, detector, 2, tmp_path).name.startswith("PETS09-S2L1.stub.")


def test_detect_sequence_short_source_keeps_the_length(caplog):
    with caplog.at_level(logging.WARNING, logger="detectors.cache"):
        table = detect_sequence(StubDetector(), frames(3)(), 5, progress=False)
    assert table.num_frames == 5 and table.frames.tolist() == [0, 1, 2]
    assert "expected 5 frames, got 3" in caplog.text
    assert detect_sequence(StubDetector(), frames(6)(), 4, progress=False).num_frames == 4
    assert detect_sequence(StubDetector(), frames(6)(), None, progress=False).num_frames == 6
