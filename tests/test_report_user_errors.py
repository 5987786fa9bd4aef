"""The CLI's safety net: a UnicodeDecodeError that a reader forgot to turn into a UserError is
still one line naming the file, never a traceback.

A small command wrapped by the real `report_user_errors` reads a real non-UTF-8 file in the
two ways coursectl's readers do (pathlib's read_text, an open text file).
"""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from coursectl.commands._common import report_user_errors

app = typer.Typer()


@app.command()
@report_user_errors
def read(path: Path, way: str = "read_text") -> None:
    if way == "read_text":
        text = path.read_text(encoding="utf-8")
    else:
        with path.open(encoding="utf-8") as handle:
            text = handle.read()
    typer.echo(text)


def test_read_text_of_a_latin1_file(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_bytes(b"sid,note\n9100001,caf\xe9\n")
    result = runner.invoke(app, [str(notes)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {notes}: not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]
    assert "Traceback" not in result.output


def test_an_open_text_file(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"\xff\xfeh\x00i\x00")  # UTF-16, as Excel's "Unicode text"
    result = runner.invoke(app, [str(notes), "--way", "open"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {notes}: not UTF-8 text (byte 0xff); save it as UTF-8"
    ]


def test_bytes_decoded_without_a_file(runner: CliRunner) -> None:
    wrapped = typer.Typer()

    @wrapped.command()
    @report_user_errors
    def decode() -> None:
        typer.echo(b"caf\xe9".decode("utf-8"))

    result = runner.invoke(wrapped, [])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: a file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]
