"""`konten validate`: exit codes, and what a person (or GitHub Actions) reads.

Each test builds a small repository in tmp_path (the shipped sop.yml plus an item) and runs the
CLI from inside it, so file names print as the author sees them in the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from itemkit import REPO, line_of, write_item

from pipeline.cli import main
from pipeline.errors import Problem
from pipeline.validate import annotation

CAPTION_281 = "a" * 281
BAD = "content/2026/11/terlalu-panjang/index.md"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and everything printed (stdout and stderr); a traceback fails the test by itself."""
    code = main(list(argv))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return code, output


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the shipped sop.yml and an empty content/ folder; the working folder."""
    shutil.copyfile(REPO / "sop.yml", tmp_path / "sop.yml")
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


@pytest.fixture
def bad_repo(repo: Path) -> Path:
    """The repository with one item whose caption is one weighted character too long for X."""
    write_item(repo / BAD.removesuffix("/index.md"), "title: Terlalu panjang\nkind: berita\nplatforms: [x]\n",
               CAPTION_281 + "\n")
    return repo


def test_the_repositorys_own_content_is_valid(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code, output = run(capsys, "--root", str(REPO), "validate")
    items = len(list((REPO / "content").rglob("index.md")))
    assert code == 0, output
    assert "GAGAL" not in output
    assert output.splitlines()[-1].startswith((f"{items} konten diperiksa: 0 kesalahan",
                                               f"{items} konten diperiksa: semua siap tayang."))


def test_an_error_exits_1_and_says_file_field_and_platform_in_indonesian(
        capsys: pytest.CaptureFixture[str], bad_repo: Path) -> None:
    code, output = run(capsys, "validate")
    assert code == 1
    assert output.splitlines() == [
        f"GAGAL: {BAD}:6, kolom caption, platform X (Twitter): Keterangan terlalu panjang: 281 dari batas 280 "
        "karakter berbobot (tautan = 23, emoji = 2).",
        "1 konten diperiksa: 1 kesalahan, 0 peringatan.",
    ]


def test_lang_en_prints_english(capsys: pytest.CaptureFixture[str], bad_repo: Path) -> None:
    code, output = run(capsys, "--lang", "en", "validate", "content")
    assert code == 1
    assert output.splitlines() == [
        f"ERROR: {BAD}:6, field caption, platform X (Twitter): The caption is too long: 281 of at most 280 "
        "weighted characters (links 23, emoji 2).",
        "1 items checked: 1 errors, 0 warnings.",
    ]


def test_language_en_in_sop_yml_prints_english(capsys: pytest.CaptureFixture[str], bad_repo: Path) -> None:
    sop = bad_repo / "sop.yml"
    sop.write_text(sop.read_text(encoding="utf-8").replace("language: id ", "language: en "), encoding="utf-8")
    code, output = run(capsys, "validate")
    assert code == 1 and output.startswith(f"ERROR: {BAD}:6, field caption, platform X (Twitter): The caption")


def test_validating_one_item_folder(capsys: pytest.CaptureFixture[str], bad_repo: Path) -> None:
    write_item(bad_repo / "content" / "baik", "title: Baik\nkind: berita\nplatforms: [x]\n", "Halo.\n")
    assert run(capsys, "validate", "content/baik") == (0, "1 konten diperiksa: semua siap tayang.\n")
    assert run(capsys, "validate", "content/baik/index.md")[0] == 0
    assert run(capsys, "validate", "content")[0] == 1


def test_warnings_alone_do_not_fail(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    write_item(repo / "content" / "panjang", "title: T\nkind: berita\nplatforms: [facebook]\n", "a" * 500 + "\n")
    code, output = run(capsys, "validate")
    assert code == 0
    assert output.splitlines()[-1] == "1 konten diperiksa: 0 kesalahan, 1 peringatan."
    assert output.startswith("PERINGATAN: content/panjang/index.md:6, kolom caption, platform Facebook: ")


def test_github_actions_adds_annotations(capsys: pytest.CaptureFixture[str], bad_repo: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, output = run(capsys, "validate")
    assert code == 1
    [command] = [line for line in output.splitlines() if line.startswith("::")]
    assert command == (
        f"::error file={BAD},line=6,title=caption%2C x::Keterangan terlalu panjang: 281 dari batas 280 "
        "karakter berbobot (tautan = 23, emoji = 2)."
    )


def test_annotation_escapes_properties_and_message() -> None:
    problem = Problem("item.publish_at", file="a,b:c%d/index.md", line=3, field="publish_at",
                      params={"value": "50%\r\nbesok"}, severity="warning")
    assert annotation(problem, "en") == (
        "::warning file=a%2Cb%3Ac%25d/index.md,line=3,title=publish_at::"
        # ':' and ',' are escaped in properties only; the message keeps its '09:00'
        "Cannot read publish time '50%25%0D%0Abesok'. Write it like 2026-11-30 09:00 (WIB)."
    )


def test_annotation_without_line_or_field() -> None:
    assert annotation(Problem("item.no_index", file="content/a/index.md"), "id") == (
        "::error file=content/a/index.md::Folder konten ini tidak memiliki index.md."
    )


def test_no_items_exits_1_with_a_clear_message(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert run(capsys, "validate") == (1, "Tidak ada konten (folder berisi index.md) di "
                                          f"{repo / 'content'}.\n")


def test_a_missing_path_is_a_clear_message(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert run(capsys, "validate", "content/tidak-ada") == (1, "GAGAL: Path 'content/tidak-ada' tidak ada.\n")


def test_a_media_file_stands_for_its_item(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    write_item(repo / "content" / "baik", "title: Baik\nkind: berita\nplatforms: [x]\n", "Halo.\n",
               {"foto.jpg": b"x"})
    assert run(capsys, "validate", "content/baik/foto.jpg") == (0, "1 konten diperiksa: semua siap tayang.\n")


def test_a_file_outside_any_item_is_a_clear_message(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    (repo / "content" / "foto.jpg").write_bytes(b"x")
    assert run(capsys, "validate", "content/foto.jpg") == (
        1, "GAGAL: content/index.md: Folder konten ini tidak memiliki index.md.\n"
           "1 konten diperiksa: 1 kesalahan, 0 peringatan.\n")


def test_a_broken_sop_yml_names_key_and_line(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    sop = repo / "sop.yml"
    text = sop.read_text(encoding="utf-8").replace("    minutes: 30\n", '    minutes: "tiga puluh"\n', 2)
    sop.write_text(text, encoding="utf-8")
    code, output = run(capsys, "validate")
    line = line_of(text, "tiga puluh")
    assert code == 1
    first = output.splitlines()[0]
    assert first.startswith(f"GAGAL: {sop}:{line}, kolom chain[0].minutes: Isinya harus ")
    assert first.endswith("('tiga puluh').")
    assert f"{sop}:{line + 4}, kolom chain[1].minutes" in output.splitlines()[1]


def test_malformed_sop_yml_names_the_line(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    sop = repo / "sop.yml"
    text = sop.read_text(encoding="utf-8").replace("    minutes: 30\n    announce", "   minutes: 30\n    announce")
    sop.write_text(text, encoding="utf-8")
    code, output = run(capsys, "validate")
    line = text.splitlines().index("   minutes: 30") + 1
    assert code == 1 and output.startswith(f"GAGAL: {sop}:{line}: Penulisan YAML tidak benar: ")


def test_missing_sop_yml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, output = run(capsys, "--root", str(tmp_path), "validate")
    assert code == 1 and "sop.yml" in output and "tidak ditemukan" in output


def test_a_misspelt_key_in_sop_yml_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                                 repo: Path) -> None:
    sop = repo / "sop.yml"
    sop.write_text(sop.read_text(encoding="utf-8").replace("draft_minutes:", "draft_minuts:"), encoding="utf-8")
    code, output = run(capsys, "--lang", "en", "validate")
    assert code == 1 and "Unknown field 'draft_minuts'. Did you mean 'draft_minutes'?" in output


def test_type_names_are_translated(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    sop = repo / "sop.yml"
    sop.write_text(sop.read_text(encoding="utf-8").replace("draft_minutes: 60", "draft_minutes: enam puluh"),
                   encoding="utf-8")
    _, output = run(capsys, "validate")
    assert "Isinya harus angka, tetapi tertulis teks ('enam puluh')." in output


def test_preview_shows_each_platform_and_fails_on_an_error(bad_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys, "preview", BAD.removesuffix("/index.md"))
    assert code == 1 and "X (Twitter)" in output and "281" in output
    sample = next(p.parent for p in sorted((REPO / "content").rglob("index.md")))
    code, output = run(capsys, "--root", str(REPO), "preview", str(sample), "--format", "html")
    assert code == 0 and output.lstrip().startswith("<") and "</html>" in output


def test_sandbox_prints_the_servers_and_the_variables_that_point_konten_at_them() -> None:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(REPO), "sandbox"],
                               stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert process.stdout is not None
        lines = []
        while not any(line.startswith("export TELEGRAM_BOT_TOKEN=") for line in lines):  # the last one
            line = process.stdout.readline()
            assert line, lines  # the process ended before printing everything
            lines.append(line)
    finally:
        process.terminate()
        process.wait(timeout=10)
    urls = [line.split()[-1] for line in lines if line.strip().startswith(("github", "x ", "meta"))]
    exports = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export "))
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert exports["GITHUB_API_URL"].startswith("http://127.0.0.1:") and exports["TELEGRAM_BOT_TOKEN"]


def test_help_and_usage_errors_speak_the_sops_language(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as shown:
        main(["--help"])
    assert shown.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("cara pakai: konten") and "periksa konten terhadap sop.yml" in text and "pilihan:" in text
    with pytest.raises(SystemExit):
        main(["--lang", "en", "publish", "--help"])
    assert "show what would be sent where" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["ledger", "resolve", "2026/11/x"])
    assert refused.value.code == 2
    assert "GAGAL: argumen ini wajib diisi: PLATFORM" in capsys.readouterr().err
