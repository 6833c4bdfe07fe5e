"""The languages of every text in the source (--lang picks one), and a text in each of them. Light to import
(the CLI checks --lang before it loads anything)."""

from __future__ import annotations

from dataclasses import dataclass

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en
