"""Profile the SQLite ingest path on the synthetic corpus.

    PYTHONPATH=. .venv/bin/python -m bench.profile --clients 20
    PYTHONPATH=. .venv/bin/python -m bench.profile --pyinstrument   # if installed

Writes the corpus first (not profiled), then profiles one ``ingest`` call per
client into a new encrypted store, as the suite's ingest figure does.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import os
import pstats
import secrets
import tempfile
from pathlib import Path

from .corpus import write_corpus
from .ingest import build


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--pyinstrument", action="store_true", help="sample with pyinstrument")
    args = parser.parse_args()
    os.environ["CASELOG_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    with tempfile.TemporaryDirectory(prefix="caselog-profile-") as tmp:
        clients = list(write_corpus(Path(tmp) / "corpus", args.clients))
        url = str(Path(tmp) / "profile.db")
        if args.pyinstrument:
            from pyinstrument import Profiler

            with Profiler(interval=0.0005) as sampler:
                built = build(url, clients, "profile")
            print(sampler.output_text(unicode=True, show_all=False))
        else:
            with cProfile.Profile() as profiler:
                built = build(url, clients, "profile")
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
        print(f"{built.events:,} events in {built.seconds:.1f} s inside ingest")


if __name__ == "__main__":
    main()
