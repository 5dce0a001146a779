"""Nested tuning's grid and selection records (scoring itself runs the tracker: covered by the benchmark)."""

from __future__ import annotations

import pytest

from mot.tuning import DEFAULT_GRID, Selection, grid_configs


def test_grid_configs_are_every_combination_of_the_values() -> None:
    combos = grid_configs({"nms_iou": (0.5, 0.7), "linking__bias": (0.75, 1.25, 2.0)})
    assert len(combos) == 6
    assert {(c["nms_iou"], c["linking__bias"]) for c in combos} == {
        (n, b) for n in (0.5, 0.7) for b in (0.75, 1.25, 2.0)
    }
    assert len(grid_configs(DEFAULT_GRID)) == 8


def test_grid_configs_reject_a_misspelt_setting() -> None:
    with pytest.raises((TypeError, ValueError)):
        grid_configs({"linking__biass": (1.0,)})


def test_selection_score_is_the_chosen_combination_score() -> None:
    low, high = {"linking__bias": 0.75}, {"linking__bias": 1.25}
    assert Selection("KITTI-13", high, [(low, 44.0), (high, 42.0)]).score == 42.0
    assert Selection("KITTI-13", low, [(low, 44.0), (high, 42.0)]).score == 44.0
