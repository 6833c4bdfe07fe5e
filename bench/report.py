"""What every bench script does with its figures: print them, and append them to a markdown file if asked."""

from __future__ import annotations

from pathlib import Path


def emit(text: str, write: Path | None) -> None:
    print(text)
    if write:
        with write.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
