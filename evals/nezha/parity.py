"""Compare two Nezha evaluation runs case by case: rankings (services in order), root cause, seconds.

Run: `python -m evals.nezha.parity out/eval/tt-files out/eval/tt-prometheus`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any


def _results(run: Path) -> dict[str, dict[str, Any]]:
    path = run / "results.json"
    if not path.is_file():
        raise ValueError(f"{path} does not exist; run `production-master eval nezha --out {run}` first")
    return {r["case_id"]: r for r in json.loads(path.read_text())}


def _order(result: dict[str, Any]) -> list[str]:
    return [r["service"] for r in result["ranking"]]


def compare(reference: Path, candidate: Path) -> dict[str, Any]:
    """Cases ranked identically (services; services and scores), same top, and median seconds of each run."""
    ref, cand = _results(reference), _results(candidate)
    shared = sorted(set(ref) & set(cand))
    same_ranking = [c for c in shared if _order(ref[c]) == _order(cand[c])]
    same_top = [c for c in shared if _order(ref[c])[:1] == _order(cand[c])[:1]]
    return {
        "cases": len(shared),
        "same_ranking": len(same_ranking),
        "same_scores": sum(ref[c]["ranking"] == cand[c]["ranking"] for c in shared),
        "same_top": len(same_top),
        "same_pinpoint": sum(ref[c]["pinpoint"] == cand[c]["pinpoint"] for c in shared),
        "differing": [c for c in shared if c not in same_ranking],
        "median_seconds": {
            "reference": round(statistics.median(ref[c]["seconds"] for c in shared), 3) if shared else 0.0,
            "candidate": round(statistics.median(cand[c]["seconds"] for c in shared), 3) if shared else 0.0,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.nezha.parity", description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="the file-backed run's --out directory")
    parser.add_argument("candidate", type=Path, help="the run through real backends")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(compare(args.reference, args.candidate), indent=2))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
