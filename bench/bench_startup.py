"""`n9e-k8s --help` against the floor every typer CLI pays (`python -c "import typer"`).

Run: python bench/bench_startup.py [--runs N]. Prints the medians and their ratio (the goal: within 1.5x);
the figures go into README.md's benchmark section. Runs the CLI of the tree on ``PYTHONPATH`` (as the
console script does: ``from n9e_k8s.cli import main; main()``). Not a test: tests/test_cli_startup.py checks
what start-up imports, which is what the time follows.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    'python -c "import typer"': ["-c", "import typer"],
    "n9e-k8s --help": ["-c", "from n9e_k8s.cli import main; main()", "--help"],
    "n9e-k8s --version": ["-c", "from n9e_k8s.cli import main; main()", "--version"],
    "n9e-k8s lint --help": ["-c", "from n9e_k8s.cli import main; main()", "lint", "--help"],
}


def median_ms(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    medians = {label: median_ms(args, runs) for label, args in CASES.items()}
    floor = medians['python -c "import typer"']
    print(f"| command | median wall time ({runs} runs) | × `import typer` |")
    print("|---|---|---|")
    for label, ms in medians.items():
        print(f"| `{label}` | {ms:.0f} ms | {ms / floor:.2f} |")


if __name__ == "__main__":
    main()
