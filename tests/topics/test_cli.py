"""The command-line contract that outside benchmarks rely on, and clear messages on bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "topics", *args], capture_output=True, text=True, cwd=REPO,
        timeout=300,
    )  # fmt: skip


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        (b"", "comment", "the file is empty"),
        (b"id,text\n1,Parking was awful\n", "comment", "no column 'comment'"),
        ("comment\nCaf\xe9 food was cold\n".encode("latin-1"), "comment", "not UTF-8"),
        (b"comment\nParking\nFood\nStaff\n", "comment", "at least 5 non-empty comments"),
        (b"comment\n", "comment", "no comments"),
    ],
    ids=["empty-file", "missing-column", "not-utf8", "three-comments", "header-only"],
)
def test_bad_input_gets_a_clear_message_not_a_traceback(
    tmp_path: Path, content: bytes, column: str, message: str
) -> None:
    path = _write(tmp_path / "in.csv", content)
    result = run_cli("fit", str(path), "--text-column", column, "--out", str(tmp_path / "out"),
                     "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_coded_ids_missing_from_the_input_get_a_clear_message(
    tmp_path: Path, comments_csv: Path
) -> None:
    coded = _write(tmp_path / "coded.csv", b"id,theme\nnope,parking\n")
    result = run_cli("fit", str(comments_csv), "--text-column", "comment", "--id-column", "id",
                     "--labels", str(coded), "--out", str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 2
    assert "coded ids are not in" in result.stderr and "'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_theme_file_gets_a_clear_message(tmp_path: Path, comments_csv: Path) -> None:
    themes = _write(tmp_path / "themes.yaml", b"themes: [{description: no name}]\n")
    result = run_cli("fit", str(comments_csv), "--text-column", "comment",
                     "--themes", str(themes), "--out", str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 2 and "needs at least a name" in result.stderr


@pytest.mark.slow
def test_fit_writes_the_output_contract_and_a_second_run_embeds_nothing(
    tmp_path: Path, comments_csv: Path, coded_csv: Path, comments: tuple[list[str], list[str]]
) -> None:
    cache = tmp_path / "cache"
    args = ["fit", str(comments_csv), "--text-column", "comment", "--id-column", "id",
            "--labels", str(coded_csv), "--cache-dir", str(cache)]  # fmt: skip
    first = run_cli(*args, "--out", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    with (tmp_path / "a" / "assignments.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["id", "topic", "theme", "themes", "probability"]
    assert [r["id"] for r in rows] == comments[0], "one row per input row, in order"
    by_id = {r["id"]: r for r in rows}
    assert by_id["c26"]["topic"] == "-1" and by_id["c26"]["theme"] == "", "empty comment"
    assert by_id["c38"]["theme"] == "hospital-radio", "a coded name becomes a theme"
    assert by_id["c02"]["theme"] == "parking"
    for r in rows:
        int(r["topic"])
        assert 0.0 <= float(r["probability"]) <= 1.0
        assert not r["theme"] or r["themes"].split(";")[0] == r["theme"]
    topics = json.loads((tmp_path / "a" / "topics.json").read_text(encoding="utf-8"))
    assert topics and all(
        {"id", "label", "keywords", "size", "representative_ids"} <= set(t) for t in topics
    )
    assert {r["topic"] for r in rows} - {"-1"} == {str(t["id"]) for t in topics}

    second = run_cli(*args, "--out", str(tmp_path / "b"))
    assert second.returncode == 0, second.stderr
    assert "embedded 0 new texts" in second.stderr, "a second run must embed nothing"


@pytest.mark.slow
def test_evaluate_prints_nmi_ari_outliers_and_macro_f1(tmp_path: Path) -> None:
    assignments = _write(
        tmp_path / "a.csv",
        b"id,topic,theme,themes,probability\n1,0,a,a,0.9\n2,0,a,a;b,0.8\n3,1,b,b,0.7\n4,-1,,,0.1\n",
    )
    labels = _write(tmp_path / "l.csv", b"id,theme\n1,x\n2,x\n3,y\n4,y\n")
    result = run_cli("evaluate", str(assignments), str(labels))
    assert result.returncode == 0, result.stderr
    for field in ("NMI", "ARI", "outlier share", "macro topic F1", "macro theme F1"):
        assert field in result.stdout
