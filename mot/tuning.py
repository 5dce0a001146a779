"""Choosing tracker settings without touching the evaluated sequence (nested leave-one-sequence-out).

For a held-out sequence H, each candidate ``TrackerConfig`` is scored on the *other* sequences only, with a cost
model fitted without H; the best candidate (mean per-sequence HOTA) is the one used on H. Neither the cost model
nor the settings used on H have seen H.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from association.costs import CostModel
from mot.io import MOTSequence, write_results
from mot.metrics import evaluate
from mot.pipeline import TrackerConfig, track_sequence

logger = logging.getLogger(__name__)

#: The settings tuned by hand during development, each with the values tried. Units as in ``TrackerConfig``.
DEFAULT_GRID: dict[str, tuple[Any, ...]] = {
    "nms_iou": (0.5, 0.7),
    "linking__bias": (0.75, 1.25),
    "min_track_detections": (10, 18),
}


def grid_configs(grid: Mapping[str, Iterable[Any]], base: TrackerConfig | None = None) -> list[dict[str, Any]]:
    """Every combination of the grid's values as override dicts (``TrackerConfig.with_overrides`` keys)."""
    base = base or TrackerConfig()
    keys = list(grid)
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]
    for combo in combos:
        base.with_overrides(**combo)  # fail early on a misspelt key
    return combos


@dataclass(frozen=True)
class Selection:
    """The overrides chosen for a held-out sequence and the score table they were chosen from."""

    held_out: str
    overrides: dict[str, Any]
    scores: list[tuple[dict[str, Any], float]]

    @property
    def score(self) -> float:
        """Mean HOTA of the chosen overrides on the other sequences."""
        return next(score for combo, score in self.scores if combo == self.overrides)


def _benchmark_of(sequence: MOTSequence) -> str:
    return "MOT16" if sequence.name.startswith(("MOT16", "MOT17")) else "MOT15"


def score_config(
    sequences: Sequence[MOTSequence], overrides: dict[str, Any], model: CostModel, online: bool = False
) -> float:
    """Mean per-sequence HOTA of one configuration (each sequence scored with its own benchmark's protocol)."""
    config = TrackerConfig().with_overrides(**overrides)
    hotas = []
    with tempfile.TemporaryDirectory(prefix="mot-tune-") as scratch:
        for benchmark in ("MOT15", "MOT16"):
            members = [s for s in sequences if _benchmark_of(s) == benchmark]
            if not members:
                continue
            folder = Path(scratch) / benchmark
            for sequence in members:
                tracks = track_sequence(sequence.detections(), sequence.info, config, online=online, cost_model=model)
                write_results(folder / f"{sequence.name}.txt", tracks)
            for sequence in members:
                report = evaluate(sequence.path.parent, folder, benchmark, [sequence.name], workers=1)
                hotas.append(report.sequences[sequence.name]["HOTA"])
    return float(np.mean(hotas))


def select_for_held_out(
    held_out: MOTSequence, pool: Sequence[MOTSequence], model: CostModel, grid: Mapping[str, Iterable[Any]] | None = None,
    online: bool = False,
) -> Selection:  # fmt: skip
    """Pick the grid point with the best mean HOTA on ``pool`` minus ``held_out`` (``model`` must not be fit on
    ``held_out``)."""
    others = [s for s in pool if s.name != held_out.name]
    scores = [(combo, score_config(others, combo, model, online)) for combo in grid_configs(grid or DEFAULT_GRID)]
    best = max(scores, key=lambda item: item[1])[0]
    logger.info("%s: chose %s", held_out.name, best)
    return Selection(held_out.name, best, scores)
