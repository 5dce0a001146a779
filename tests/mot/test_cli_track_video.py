"""``mot track VIDEO --detector hog --render``: detection, cache and rendering on a tiny generated video."""

from __future__ import annotations

from pathlib import Path

import cv2

from mot.cli import main
from mot.io import read_results
from mot.synthetic import make_scene


def write_video(path: Path, frames: int = 6) -> Path:
    scene = make_scene(seed=1, num_frames=frames, width=320, height=240, num_people=2)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), scene.info.frame_rate, (320, 240))
    for index in range(frames):
        writer.write(scene.frame(index))
    writer.release()
    return path


def count_frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def test_track_video_with_hog_renders_and_caches(tmp_path: Path, capsys) -> None:
    video = write_video(tmp_path / "clip.mp4")
    out, rendered = tmp_path / "out", tmp_path / "out" / "clip_tracked.mp4"
    assert main(["track", str(video), "--detector", "hog", "--out", str(out), "--render", str(rendered)]) == 0
    printed = capsys.readouterr().out
    assert "detection:" in printed and str(rendered) in printed
    assert read_results(out / "clip.txt", 6) is not None
    assert count_frames(rendered) == 6
    cached = list((out / ".detections").iterdir())
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert main(["track", str(video), "--detector", "hog", "--out", str(out)]) == 0
    assert cached[0].stat().st_mtime_ns == stamp  # served from the cache, not re-detected


def test_public_detector_on_a_video_and_render_of_many_sequences_are_refused(tmp_path: Path, capsys, shared_data) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=2)
    assert main(["track", str(video), "--out", str(tmp_path / "o")]) == 2
    assert "det/det.txt" in capsys.readouterr().err
    code = main(["track", str(shared_data / "MOT16/train"), "--out", str(tmp_path / "o"), "--render", "x.mp4"])
    assert code == 2 and "--render needs a single" in capsys.readouterr().err
