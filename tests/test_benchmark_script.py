"""The benchmark script's reporting of nested-tuning choices (the script itself runs for minutes: not here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

from mot.tuning import Selection

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "benchmark_trackers.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("benchmark_trackers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_nested_settings_keep_each_held_out_choice_and_its_grid() -> None:
    script = _load_script()
    low, high = {"linking__bias": 0.75}, {"linking__bias": 1.25}
    ours = SimpleNamespace(selections={
        "TUD-Campus online": Selection("TUD-Campus", high, [(low, 41.0), (high, 43.5)]),
        "KITTI-13 offline": Selection("KITTI-13", low, [(low, 44.0), (high, 42.0)]),
    })  # fmt: skip
    settings = script._nested_settings(ours)
    assert list(settings) == ["KITTI-13 offline", "TUD-Campus online"]
    assert settings["KITTI-13 offline"]["overrides"] == low and settings["KITTI-13 offline"]["score"] == 44.0
    assert settings["TUD-Campus online"]["overrides"] == high and settings["TUD-Campus online"]["score"] == 43.5
    assert [row["mean_hota_others"] for row in settings["TUD-Campus online"]["grid"]] == [41.0, 43.5]
    json.dumps(settings)  # goes into the --json output as is


def test_nested_settings_are_empty_without_our_tracker_or_tuning() -> None:
    script = _load_script()
    assert script._nested_settings(None) == {}
    assert script._nested_settings(SimpleNamespace(selections={})) == {}
