"""kill -9 the real server at random moments while it closes a round; restart; check.

    .venv/bin/python bench/crash_close.py [--trials 40] [--pairs 8] [--minutes 0]
        [--engines sqlite,postgresql]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test] [--out bench/results/crash_close.json]

Each engine gets a fresh database (a SQLite file; a new PostgreSQL database, dropped after).
Exit 1 if any trial leaves a partial round (ledger entries or placements of some confirmed
proposals only), a duplicated entry or placement, a proposal of a closed round not in a terminal
state, or a posting whose ``remaining`` disagrees with the ledger (``tests/reliability/crashing.py``
checks). ``--minutes`` stops an engine's trials early; the count run is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=0, help="stop an engine after this")
    parser.add_argument("--pairs", type=int, default=20, help="deposits/withdrawals per round")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", default="bench/results/crash_close.json")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from bench.scratch_db import scratch_database
    from exchange.db import make_engine
    from exchange.migrate import upgrade
    from tests.api.conftest import seed
    from tests.reliability.crashing import run_trials

    results = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            with scratch_database(name, Path(tmp), args.pg_url, "crash") as url:
                upgrade(url)
                engine = make_engine(url)
                tokens = seed(engine)
                report = run_trials(
                    engine_name=name,
                    database_url=url,
                    engine=engine,
                    tokens=tokens,
                    workdir=Path(tmp),
                    trials=args.trials,
                    pairs=args.pairs,
                    seconds=args.minutes * 60,
                )
                engine.dispose()
            figures = report.as_dict()
            figures["uninterrupted close seconds"] = round(report.close_seconds[0], 3)
            results.append(figures)
            print(json.dumps({k: v for k, v in figures.items() if k != "problems"}))
            for p in report.problems:
                print("FAIL", name, p)
            failed = failed or bool(report.problems)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
