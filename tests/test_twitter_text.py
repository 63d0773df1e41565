"""X text rules against twitter-text's official conformance suite, plus the 280 boundary.

validate.yml is run the way twitter-text's own runners run it (js/test/conformance.html,
rust conformance tests): `tweets` with the legacy v1 config, `WeightedTweetsCounterTest` with
v2 (no emoji parsing), the other weighted sections with v3; the rest need no config.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.platforms import twitter_text as tt
from pipeline.platforms.twitter_text import TextConfig

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PLATFORMS = SHARED / "fixtures" / "platforms"
SUITE = yaml.safe_load((PLATFORMS / "twitter-text-conformance" / "validate.yml").read_text(encoding="utf-8"))["tests"]

_LIGHT = [{"start": 0, "end": 4351, "weight": 100}, {"start": 8192, "end": 8205, "weight": 100},
          {"start": 8208, "end": 8223, "weight": 100}, {"start": 8242, "end": 8247, "weight": 100}]
# config/v1.json. twitter-text's isValidTweetText merges it over the v3 defaults, so emoji
# parsing stays on (an emoji sequence weighs 1, like every code point).
V1 = TextConfig.from_json({"version": 1, "maxWeightedTweetLength": 140, "scale": 1, "defaultWeight": 1,
                           "transformedURLLength": 23, "ranges": [], "emojiParsingEnabled": True})
# config/v2.json: 280 weighted, CJK 2, but every emoji code point counted on its own.
V2 = TextConfig.from_json({"version": 2, "maxWeightedTweetLength": 280, "scale": 100, "defaultWeight": 200,
                           "transformedURLLength": 23, "ranges": _LIGHT})


def parsed(config: TextConfig) -> Callable[[str], dict[str, Any]]:
    def run(text: str) -> dict[str, Any]:
        result = tt.parse_post(text, config)
        return {
            "weightedLength": result.weighted_length, "valid": result.valid, "permillage": result.permillage,
            "displayRangeStart": result.display_range[0], "displayRangeEnd": result.display_range[1],
            "validRangeStart": result.valid_range[0], "validRangeEnd": result.valid_range[1],
        }
    return run


CHECKS: dict[str, Callable[[str], Any]] = {
    "tweets": lambda text: tt.is_valid_post(text, V1),
    "usernames": tt.is_valid_username,
    "lists": tt.is_valid_list,
    "hashtags": tt.is_valid_hashtag,
    "urls": tt.is_valid_url,
    "urls_without_protocol": lambda text: tt.is_valid_url(text, require_protocol=False),
    "WeightedTweetsCounterTest": parsed(V2),
    "WeightedTweetsWithDiscountedEmojiCounterTest": parsed(tt.V3),
    "UnicodeDirectionalMarkerCounterTest": parsed(tt.V3),
}
CASES = [pytest.param(section, case, id=f"{section}: {case['description']}")
         for section, cases in SUITE.items() for case in cases]


def test_every_suite_section_is_checked() -> None:
    assert set(SUITE) == set(CHECKS)
    assert len(CASES) == 97


@pytest.mark.parametrize(("section", "case"), CASES)
def test_conformance(section: str, case: dict[str, Any]) -> None:
    assert CHECKS[section](case["text"]) == case["expected"]


def test_builtin_config_is_the_shared_v3_file() -> None:
    assert tt.load_config() == tt.V3
    assert tt.load_config(PLATFORMS / "twitter_text_config_v3.json") == tt.V3


LONG_URL = "https://jateng.kpu.go.id/berita/2026/11/rapat-pleno-terbuka-rekapitulasi-daftar-pemilih-tetap"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, one emoji
KPU_POST = ("Ayo cek namamu di Daftar Pemilih Tetap sebelum 14 Februari! Kunjungi " + LONG_URL
            + " atau datang ke kantor KPU terdekat. #PemiluDamai #KPUJateng @KPU_ID")  # 137 characters and a link: 160


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("a" * 281, 281),
        ("a" * 256 + " " + LONG_URL, 280),  # any URL counts 23
        ("a" * 257 + " " + LONG_URL, 281),
        ("a" * 256 + " kpu.go.id", 280),  # also without a protocol
        ("a" * 257 + " kpu.go.id", 281),
        ("\U0001f600" * 140, 280),  # an emoji counts 2
        ("\U0001f600" * 140 + "a", 281),
        (FAMILY * 140, 280),  # a ZWJ sequence counts 2 as a whole
        (FAMILY * 140 + "a", 281),
        ("\u4e2d" * 140, 280),  # CJK counts 2
        ("\u4e2d" * 139 + "ab", 280),
        ("\u4e2d" * 139 + "abc", 281),
        ("e\u0301" * 280, 280),  # NFC first: e + combining acute is one é
        ("e\u0301" * 281, 281),
        (KPU_POST + " " + "x" * 119, 280),
        (KPU_POST + " " + "x" * 120, 281),
    ],
)
def test_weighted_length_at_280(text: str, length: int) -> None:
    assert tt.weighted_length(text) == length
    assert tt.is_valid_post(text) is (length <= 280)
    assert tt.parse_post(text).weighted_length == length


def test_kpu_post_counts_its_link_as_23() -> None:
    assert tt.weighted_length(KPU_POST) == len(KPU_POST) - len(LONG_URL) + 23 == 160


@pytest.mark.parametrize("text", ["", "Pemilu\ufffe", "\ufeffPemilu", "Pemilu \uffff 2024"])
def test_empty_or_invalid_characters_are_not_valid_posts(text: str) -> None:
    assert not tt.is_valid_post(text)


def test_overflow_range_ends_where_the_limit_is_reached() -> None:
    result = tt.parse_post("a" * 279 + "\u4e2d" + "b")  # 279 + 2 > 280: the CJK char overflows
    assert (result.valid, result.weighted_length, result.valid_range) == (False, 282, (0, 278))


def test_extraction_of_an_indonesian_post() -> None:
    assert tt.extract_urls(KPU_POST) == [LONG_URL]
    assert tt.extract_hashtags(KPU_POST) == ["PemiluDamai", "KPUJateng"]
    assert tt.extract_mentions(KPU_POST) == ["KPU_ID"]


@pytest.mark.parametrize(
    ("text", "hashtags", "mentions"),
    [
        ("#Pilkada2024 #2024 #Pilkada2024", ["Pilkada2024", "Pilkada2024"], []),  # all digits: not a tag
        ("lihat kpu.go.id/#jadwal dan #jadwal", ["jadwal"], []),  # the first is part of a URL
        ("@kpu_jateng/daftar-berita, @Bawaslu_RI dan email@kpu.go.id", [], ["Bawaslu_RI"]),
        ("RT @KPU_ID: ＃全角 ＠KPU_Jateng", ["全角"], ["KPU_ID", "KPU_Jateng"]),
    ],
)
def test_hashtags_and_mentions(text: str, hashtags: list[str], mentions: list[str]) -> None:
    assert tt.extract_hashtags(text) == hashtags
    assert tt.extract_mentions(text) == mentions
