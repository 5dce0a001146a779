"""The ``mot`` command line, run in-process through ``mot.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mot.cli import main


def test_help_describes_the_folder_layout(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["eval", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "RESULTS_DIR/SEQ.txt" in text and "seqinfo.ini" in text and "--benchmark" in text


def test_eval_prints_official_combined_row_and_writes_json(shared_data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m.json"
    code = main([
        "eval", str(shared_data / "MOT16/train"), str(shared_data / "reference/mot16-shenh10"),
        "--benchmark", "MOT16", "--json", str(out), "--cross-check",
    ])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    combined = next(line for line in printed.splitlines() if line.startswith("COMBINED"))
    assert combined.split()[1:6] == ["35.705", "30.822", "41.483", "82.049", "35.890"]
    assert "agreement within the contract" in printed
    data = json.loads(out.read_text())
    assert data["benchmark"] == "MOT16" and set(data["sequences"]) == {"MOT16-11", "MOT16-13"}
    assert set(data["combined"]) == set(
        "HOTA DetA AssA LocA MOTA MOTP IDF1 IDP IDR Recall Precision FP FN IDSW Frag MT PT ML GT".split()
    )
    assert data["combined"]["FP"] == 784 and isinstance(data["combined"]["FN"], int)


def test_user_errors_exit_2_with_a_message(tmp_path: Path, capsys) -> None:
    assert main(["eval", str(tmp_path / "missing"), str(tmp_path)]) == 2
    assert "mot eval: error:" in capsys.readouterr().err
