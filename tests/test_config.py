"""sop.yml: the shipped KPU configuration, and every kind of mistake an admin can make in it.

Each bad file is the shipped sop.yml with one edit, so a test shows the one mistake it is about;
expected line numbers are found in the edited text, not typed in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from itemkit import REPO, SHARED, line_of

from pipeline.config import load_sop, parse_sop
from pipeline.errors import ConfigError, Problem

SHIPPED = (REPO / "sop.yml").read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        parse_sop(text, "sop.yml")
    problems = caught.value.problems
    for p in problems:
        assert p.file == "sop.yml" and p.severity == "error", p
    return problems


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [(p.code, p.field) for p in problems]
    return found[0]


# -- the shipped configuration ------------------------------------------------------------------
def test_shipped_sop_gives_the_kpu_chain_in_order() -> None:
    sop = load_sop(REPO / "sop.yml")
    assert [(r.id, r.minutes, r.approvals) for r in sop.chain] == [
        ("subkoordinator-tekmas", 30, "one"),
        ("kabag-hth", 30, "one"),
        ("sekretaris", 30, "one"),
        ("komisioner-sosdiklih-parmas", 30, "one"),
    ]
    assert [r.announce for r in sop.chain] == [False, False, False, True]
    assert sop.language == "id" and str(sop.timezone) == "Asia/Jakarta"
    assert sop.enabled_platforms() == ("x", "facebook", "instagram", "youtube", "tiktok")


def test_shipped_sop_has_the_eight_steps_of_the_written_sop() -> None:
    """The steps must match the SOP document's own data (by, does, minutes), 195 minutes in all."""
    reference = yaml.safe_load((SHARED / "sop" / "kpu-jateng-2021.yml").read_text(encoding="utf-8"))
    sop = load_sop(REPO / "sop.yml")
    ours = {"pengampu-konsep": "author", "admin-media-sosial": "publisher"}  # the chain keeps its ids
    expected = [(s["n"], ours.get(s["by"], s["by"]), s["minutes"]) for s in reference["steps"]]
    assert [(s.n, s.role, s.minutes) for s in sop.steps] == expected
    assert [s.minutes for s in sop.steps] == [60, 5, 30, 30, 30, 30, 5, 5]
    assert sop.total_minutes == 195


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sop(tmp_path / "sop.yml")
    assert caught.value.problems[0].code == "config.missing"


def test_invalid_utf8_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "sop.yml"
    path.write_bytes(SHIPPED.encode() + b"\n# caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_sop(path)
    assert caught.value.problems[0].code == "file.not_utf8"


# -- one mistake at a time ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "at", "after"),
    [
        # a key indented one space short: reported on that very line
        ("    minutes: 30\n    announce", "   minutes: 30\n    announce", "   minutes: 30", 0),
        # an unclosed list: libyaml notices only at the next line, which is the line it names
        ("    members: [ganti-kabag-hth]", "    members: [ganti-kabag-hth", "    members: [ganti-kabag-hth", 1),
    ],
)
def test_malformed_yaml_names_the_line(old: str, new: str, at: str, after: int) -> None:
    text = edited(old, new)
    [problem] = problems_of(text)
    assert problem.code == "yaml.syntax"
    assert problem.line == text.splitlines().index(at) + 1 + after
    assert problem.params["reason"] and problem.params["reason"] in problem.text("en")


def test_wrong_type_names_key_path_and_line() -> None:
    text = edited("    members: [ganti-kabag-hth]\n    minutes: 30",
                  '    members: [ganti-kabag-hth]\n    minutes: "tiga puluh"')
    problem = only(problems_of(text), "field.type")
    assert problem.field == "chain[1].minutes"
    assert problem.line == line_of(text, "tiga puluh")
    assert problem.params["got"] == "text" and problem.params["expected"] == "number"
    assert "chain[1].minutes" in problem.render() and f"sop.yml:{problem.line}" in problem.render()


def test_misspelt_key_is_unknown_with_a_did_you_mean() -> None:
    text = edited("    members: [ganti-sekretaris]\n    minutes: 30", "    members: [ganti-sekretaris]\n    minuts: 30")
    problems = problems_of(text)
    unknown = only(problems, "field.unknown")
    assert unknown.field == "chain[2].minuts" and unknown.line == line_of(text, "minuts")
    assert unknown.params["hint"] == "minutes"
    assert only(problems, "field.required").field == "chain[2].minutes"


def test_misspelt_key_message_says_did_you_mean() -> None:
    text = edited("    members: [ganti-sekretaris]\n    minutes: 30", "    members: [ganti-sekretaris]\n    minuts: 30")
    unknown = only(problems_of(text), "field.unknown")
    assert unknown.text("id") == "Kolom 'minuts' tidak dikenal. Mungkin maksud Anda 'minutes'?"
    assert unknown.text("en") == "Unknown field 'minuts'. Did you mean 'minutes'?"


def test_unknown_timezone() -> None:
    text = edited("timezone: Asia/Jakarta", "timezone: Asia/Jakartaa")
    problem = only(problems_of(text), "config.timezone")
    assert problem.field == "sop.timezone" and problem.line == line_of(text, "Asia/Jakartaa")
    assert problem.params["value"] == "Asia/Jakartaa"


@pytest.mark.parametrize("login", ["-awal-strip", "dua--strip", "ada spasi", "garis_bawah", "x" * 40])
def test_bad_github_login(login: str) -> None:
    text = edited("members: [ganti-sekretaris]", f'members: ["{login}"]')
    problem = only(problems_of(text), "config.login")
    assert problem.field == "chain[2].members[0]" and problem.line == line_of(text, login)


def test_good_github_logins_pass() -> None:
    sop = parse_sop(edited("members: [ganti-sekretaris]", f"members: [a, A-1-b, {'x' * 39}]"))
    assert sop.role("sekretaris").members == ("a", "A-1-b", "x" * 39)


def test_empty_member_list() -> None:
    text = edited("members: [ganti-sekretaris]", "members: []")
    assert only(problems_of(text), "config.no_members").field == "chain[2].members"


def test_empty_chain() -> None:
    start, end = SHIPPED.index("chain:\n"), SHIPPED.index("# Steps 7-8")
    text = SHIPPED[:start] + "chain: []\n\n" + SHIPPED[end:]
    problem = only(problems_of(text), "config.empty_chain")
    assert problem.field == "chain" and problem.line == line_of(text, "chain: []")


def test_duplicate_role() -> None:
    text = edited("  - role: sekretaris\n", "  - role: kabag-hth\n")
    problem = only(problems_of(text), "config.duplicate_role")
    assert problem.field == "chain[2].role" and problem.params["value"] == "kabag-hth"
    second = [n for n, line in enumerate(text.splitlines(), start=1) if "role: kabag-hth" in line][1]
    assert problem.line == second


def test_approvals_all_is_accepted() -> None:
    sop = parse_sop(edited("members: [ganti-sekretaris]", "members: [ganti-sekretaris, sekr-b]\n    approvals: all"))
    assert sop.role("sekretaris").approvals == "all"
    assert sop.role("kabag-hth").approvals == "one"


@pytest.mark.parametrize("value", ["2", "semua", "true"])
def test_approvals_other_than_one_or_all_is_refused(value: str) -> None:
    text = edited("members: [ganti-sekretaris]", f"members: [ganti-sekretaris]\n    approvals: {value}")
    [problem] = problems_of(text)
    assert problem.code in ("config.approvals", "field.type")
    assert problem.field == "chain[2].approvals" and problem.line == line_of(text, "approvals:")


def test_negative_minutes() -> None:
    text = edited("draft_minutes: 60", "draft_minutes: -60")
    problem = only(problems_of(text), "field.negative")
    assert problem.field == "author.draft_minutes" and problem.line == line_of(text, "-60")


def test_unknown_platform_in_config() -> None:
    text = edited("  tiktok:\n", "  tiktk:\n")
    problem = only(problems_of(text), "field.unknown")
    assert problem.field == "platforms.tiktk" and problem.params["hint"] == "tiktok"


def test_disabled_platform_is_not_enabled() -> None:
    sop = parse_sop(edited("  tiktok:\n    enabled: true", "  tiktok:\n    enabled: false"))
    assert "tiktok" not in sop.enabled_platforms()


def test_language_choice() -> None:
    text = edited("language: id ", "language: jv ")
    problem = only(problems_of(text), "field.choice")
    assert problem.field == "sop.language" and problem.params["choices"] == "id, en"


def test_not_a_mapping() -> None:
    [problem] = problems_of("- just\n- a list\n")
    assert problem.code == "config.not_mapping"


def test_several_problems_are_reported_at_once() -> None:
    text = edited("timezone: Asia/Jakarta", "timezone: Mars/Olympus")
    text = text.replace("    minutes: 30\n    announce: true", '    minutes: "tiga puluh"\n    announce: true')
    text = text.replace("handover_minutes: 5", "handover_minuts: 5")
    problems = problems_of(text)
    fields = {p.field for p in problems}
    assert {"sop.timezone", "chain[3].minutes", "publisher.handover_minuts", "publisher.handover_minutes"} <= fields
    assert all(p.line for p in problems if p.field != "publisher.handover_minutes")


# -- language -------------------------------------------------------------------------------------
def test_language_en_switches_messages_to_english() -> None:
    sop = parse_sop(edited("language: id ", "language: en "))
    assert sop.language == "en"
    problem = only(problems_of(edited("timezone: Asia/Jakarta", "timezone: Asia/Jakartaa")), "config.timezone")
    line = problem.line
    assert problem.render(sop.language) == (
        f"sop.yml:{line}, field sop.timezone: Unknown timezone 'Asia/Jakartaa' (for example: Asia/Jakarta)."
    )
    assert problem.render("id") == (
        f"sop.yml:{line}, kolom sop.timezone: "
        "Zona waktu 'Asia/Jakartaa' tidak dikenal (contoh yang benar: Asia/Jakarta)."
    )
