"""The README's commands and example stay true: the example runs, and CI reads the same blocks the README shows."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_block(marker: str, language: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```{language}\n(.*?)```", text, flags=re.S)
    assert match, f"README has no ```{language} block after <!-- {marker} -->"
    return match.group(1)


def test_setup_main_and_test_blocks_exist() -> None:
    assert ".venv" in readme_block("setup", "bash")
    assert "mot " in readme_block("main", "bash")
    assert "pytest" in readme_block("test", "bash")


def test_python_example_runs(shared_data: Path, tmp_path: Path) -> None:
    code = readme_block("example", "python").replace("../shared/data", str(shared_data))
    printed = io.StringIO()
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    finally:
        os.chdir(previous)
    lines = printed.getvalue().splitlines()
    batch, streamed = int(lines[0].split()[0]), int(lines[1].split()[0])
    assert batch >= 5 and streamed >= 5  # TUD-Campus has 8 people
    assert (tmp_path / "results/TUD-Campus.txt").is_file()
