"""``mot track`` run in-process through ``mot.cli.main`` (one sequence: no worker processes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mot.cli import main
from mot.io import read_results


@pytest.fixture(scope="module")
def campus(shared_data: Path) -> Path:
    return shared_data / "MOT15" / "train" / "TUD-Campus"


def test_track_help_describes_the_command(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["track", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--out" in text and "--config" in text and "--online" in text and "det/det.txt" in text


def test_track_requires_out(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["track", str(tmp_path)])
    assert stop.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_track_writes_results_and_prints_a_summary(campus: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "results"
    assert main(["track", str(campus), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert [p.name for p in out.iterdir()] == ["TUD-Campus.txt"]
    tracks = read_results(out / "TUD-Campus.txt", num_frames=71)
    assert len(tracks) > 0 and np.all(tracks.track_ids >= 1)
    summary = next(line for line in printed.splitlines() if "frames/s" in line)
    assert "1 sequence(s), 71 frames, offline mode" in summary and str(out) in summary
    row = next(line for line in printed.splitlines() if line.startswith("TUD-Campus"))
    frames, dets, ids, boxes = (int(v) for v in row.split()[1:5])
    assert frames == 71 and dets == 321
    assert ids == len(tracks.unique_ids) and boxes == len(tracks)


def test_track_online_mode(campus: Path, tmp_path: Path, capsys) -> None:
    assert main(["track", str(campus), "--out", str(tmp_path), "--online"]) == 0
    assert "online mode" in capsys.readouterr().out
    assert len(read_results(tmp_path / "TUD-Campus.txt", num_frames=71)) > 0


def test_track_config_overrides_are_applied(campus: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "strict.json"
    config.write_text(json.dumps({"min_score": 2.0}), encoding="utf-8")  # MOT15 scores are 0.5..1: nothing kept
    assert main(["track", str(campus), "--out", str(tmp_path / "r"), "--config", str(config)]) == 0
    capsys.readouterr()
    assert (tmp_path / "r" / "TUD-Campus.txt").read_text() == ""


def test_track_a_folder_of_sequences(campus: Path, tmp_path: Path, capsys) -> None:
    root = tmp_path / "train"
    shutil.copytree(campus, root / "TUD-Campus")
    shutil.copytree(campus, root / "Copy-Of-Campus")
    (root / "not-a-sequence").mkdir()
    assert main(["track", str(root), "--out", str(tmp_path / "r"), "--workers", "1"]) == 0
    assert "2 sequence(s), 142 frames" in capsys.readouterr().out
    first = (tmp_path / "r" / "TUD-Campus.txt").read_text()
    assert first and first == (tmp_path / "r" / "Copy-Of-Campus.txt").read_text()


@pytest.mark.parametrize(
    ("config", "named"),
    [({"min_scroe": 0.3}, "min_scroe"), ({"linking": {"biass": 1.0}}, "linking.biass")],
)
def test_track_config_with_an_unknown_key_exits_2(campus, tmp_path: Path, capsys, config, named) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    out = tmp_path / "r"
    assert main(["track", str(campus), "--out", str(out), "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mot track: error:") and named in err and "bad.json" in err
    assert not out.exists()  # failed before tracking anything


@pytest.mark.parametrize("text", ["{not json", '{"min_score": "high"}', '{"nms_iou": NaN}'])
def test_track_config_unreadable_or_mistyped_exits_2(campus, tmp_path: Path, capsys, text: str) -> None:
    path = tmp_path / "cfg.json"
    path.write_text(text, encoding="utf-8")
    assert main(["track", str(campus), "--out", str(tmp_path / "r"), "--config", str(path)]) == 2
    assert "cfg.json" in capsys.readouterr().err


def test_track_missing_config_file_exits_2(campus, tmp_path: Path, capsys) -> None:
    assert main(["track", str(campus), "--out", str(tmp_path), "--config", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err


def test_track_config_that_is_not_an_object_exits_2(campus, tmp_path: Path, capsys) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert main(["track", str(campus), "--out", str(tmp_path / "r"), "--config", str(path)]) == 2
    assert "list.json" in capsys.readouterr().err


def test_track_a_folder_without_sequences_exits_2(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    assert main(["track", str(empty), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mot track: error:") and "empty" in err


def test_track_a_missing_folder_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["track", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    assert "missing" in capsys.readouterr().err


def test_track_a_sequence_without_detections_exits_2(campus: Path, tmp_path: Path, capsys) -> None:
    sequence = tmp_path / "NoDets"
    sequence.mkdir()
    shutil.copy(campus / "seqinfo.ini", sequence / "seqinfo.ini")
    assert main(["track", str(sequence), "--out", str(tmp_path / "r")]) == 2
    assert "det/det.txt" in capsys.readouterr().err


def test_track_a_corrupt_cost_model_exits_2(campus: Path, tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.json"
    model.write_text("{truncated", encoding="utf-8")
    assert main(["track", str(campus), "--out", str(tmp_path / "r"), "--cost-model", str(model)]) == 2
    assert "model.json" in capsys.readouterr().err
