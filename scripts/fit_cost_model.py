"""Fit the edge cost models on MOTChallenge sequences with ground truth and write the JSON model + card.

Default: every sequence with gt under ../shared/data/MOT15/train and ../shared/data/MOT16/train, written to
association/default_cost_model.json (the shipped default). ``--leave-out SEQ`` fits without one sequence, as the
benchmark does for each sequence it reports (leave-one-sequence-out).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import numpy as np

from association.costs import DEFAULT_MODEL_PATH
from mot.io import find_sequences
from mot.pipeline import TrackerConfig, fit_cost_model

REPO = Path(__file__).resolve().parents[1]


def training_sequences(data: Path, leave_out: set[str]):
    """Every sequence with gt under MOT15/train and MOT16/train, except ``leave_out``."""
    found = [s for root in ("MOT15/train", "MOT16/train") for s in find_sequences(data / root)]
    return [s for s in found if s.has_ground_truth and s.name not in leave_out]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="output JSON (default: shipped model)")
    parser.add_argument("--leave-out", default="", help="comma-separated sequences to exclude from fitting")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 regularisation strength")
    args = parser.parse_args(argv)
    np.random.seed(0)  # the fit is deterministic; seeded for any future stochastic step
    leave_out = {s for s in args.leave_out.split(",") if s}
    sequences = training_sequences(args.data, leave_out)
    started = time.perf_counter()
    model = fit_cost_model(sequences, TrackerConfig(), l2=args.l2)
    card = {
        "model": "two-level edge cost model: GapBucketLogistic over detection pairs and over tracklet pairs",
        "data": "MOTChallenge 2DMOT2015 train (Faster R-CNN detections from the SORT repository) and MOT16-11/13 "
        "(official gt, SIMULATED detections); labels from matching detections to gt at IoU >= 0.5; a tracklet "
        "link is same-person when both tracklets have the same majority person, different when they differ or only "
        "one has a person (links between two false tracklets are left out)",
        "licence": "weights derived from research-only data (MOTChallenge CC BY-NC-SA 3.0): research use only",
        "split": "leave-one-sequence-out in benchmarks: the benchmark refits without the evaluated sequence; "
        "this file is fit on every sequence listed in trained_on"
        + (f" (left out: {sorted(leave_out)})" if leave_out else ""),
        "fitted": datetime.date.today().isoformat(),
        "script": "scripts/fit_cost_model.py",
        **model.card,
    }
    model = type(model)(model.detection, model.tracklet, card)
    model.save(args.out)
    print(f"fitted on {len(sequences)} sequences in {time.perf_counter() - started:.1f} s -> {args.out}")
    for key in ("detection_pairs", "detection_training_auc", "tracklet_pairs", "tracklet_training_auc"):
        print(f"  {key}: {card[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
