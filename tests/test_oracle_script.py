"""``scripts/oracle_ceilings.py``: arguments, and one real sequence end to end."""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "oracle_ceilings.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("oracle_ceilings", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_gaps_are_parsed_sorted_and_checked() -> None:
    script = _load_script()
    assert script.parse_gaps("inf,4, 2") == [2.0, 4.0, math.inf]
    for bad in ("2,x", "-1", "nan"):
        with pytest.raises(argparse.ArgumentTypeError, match="--gaps"):
            script.parse_gaps(bad)
    labels = list(script.variants([2.0, math.inf]))
    assert labels == ["ours", "+ oracle stitching, gaps <= 2 s", "+ oracle stitching, any gap",
                      "+ oracle false-track removal", "+ both (widest stitching)"]  # fmt: skip


def test_unknown_benchmark_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert _load_script().main(["--benchmarks", "MOT17"]) == 2
    assert "MOT17" in capsys.readouterr().err


def test_unknown_sequence_is_refused(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load_script().main(["--data", str(shared_data), "--sequences", "TUD-Campus,Venice-2"]) == 2
    assert "Venice-2" in capsys.readouterr().err  # it has no gt here


def test_one_sequence_prints_every_variant_and_oracles_never_lower_idf1(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _load_script()
    assert script.main(["--data", str(shared_data), "--benchmarks", "MOT15", "--sequences", "TUD-Campus",
                        "--gaps", "4"]) == 0  # fmt: skip
    rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ") and not line.startswith("| variant")}  # fmt: skip
    assert list(rows) == ["ours", "+ oracle stitching, gaps <= 4 s", "+ oracle false-track removal",
                          "+ both (widest stitching)"]  # fmt: skip
    idf1 = {label: float(cells[script.COLUMNS.index("IDF1")]) for label, cells in rows.items()}
    fp = {label: int(cells[script.COLUMNS.index("FP")]) for label, cells in rows.items()}
    assert idf1["+ oracle stitching, gaps <= 4 s"] >= idf1["ours"]
    assert fp["+ oracle stitching, gaps <= 4 s"] == fp["ours"]  # stitching changes identities, never boxes
    assert fp["+ oracle false-track removal"] <= fp["ours"]
