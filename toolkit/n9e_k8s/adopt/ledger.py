"""The ledger: one row per object read, what became of it, and the linter's findings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    kind: str  # query, panel, board, alert, record, variable, unit, file
    origin: str
    status: str  # converted, merged, renamed, refused, note
    target: str = ""  # catalog id, file, alert name
    detail: str = ""
    findings: list[str] = field(default_factory=list)  # "severity rule: message"


@dataclass
class Ledger:
    rows: list[Row] = field(default_factory=list)

    def add(self, *args: str, **kwargs: object) -> Row:
        row = Row(*args, **kwargs)  # type: ignore[arg-type]
        self.rows.append(row)
        return row

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.rows:
            counts = out.setdefault(row.kind, {})
            counts[row.status] = counts.get(row.status, 0) + 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def refusals(self) -> dict[str, int]:
        """Refused objects by reason (the reason without the object's own names)."""
        out: dict[str, int] = {}
        for row in self.rows:
            if row.status == "refused":
                reason = row.detail.split(" (")[0]
                out[reason] = out.get(reason, 0) + 1
        return dict(sorted(out.items()))

    def findings(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            for f in row.findings:
                rule = f.split(":")[0]
                out[rule] = out.get(rule, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, object]:
        return {
            "summary": self.summary(),
            "refused_by_reason": self.refusals(),
            "lint_findings": self.findings(),
            "rows": [asdict(r) for r in self.rows],
        }


def print_table(ledger: Ledger, written: list[str]) -> None:
    """The ledger as rich tables, for people."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="adopt ledger", show_lines=False)
    for col in ("kind", "status", "origin", "target", "detail / lint"):
        table.add_column(col, overflow="fold")
    for r in ledger.rows:
        detail = "; ".join([r.detail, *r.findings] if r.detail else r.findings)
        table.add_row(r.kind, r.status, r.origin, r.target, detail)
    console.print(table)
    for kind, counts in ledger.summary().items():
        console.print(f"{kind}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for path in written:
        console.print(f"wrote {path}")
