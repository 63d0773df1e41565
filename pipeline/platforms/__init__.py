"""The platform registry: adding a platform means one module and one line here."""

from __future__ import annotations

from pipeline.platforms.base import Platform
from pipeline.platforms.facebook import Facebook
from pipeline.platforms.instagram import Instagram
from pipeline.platforms.tiktok import TikTok
from pipeline.platforms.x import X
from pipeline.platforms.youtube import YouTube

PLATFORMS: dict[str, Platform] = {p.name: p for p in (X(), Facebook(), Instagram(), YouTube(), TikTok())}

__all__ = ["PLATFORMS", "Platform"]
