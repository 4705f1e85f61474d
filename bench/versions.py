"""The current parser and recorder against the code before this round of changes.

The "before" code is commit ``BEFORE`` (or ``$BENCH_BEFORE``), taken from git at
bench time (``git archive`` of domain, projections, adapters and cli into the
scratch folder, never a copy in the repository). Each version runs in child
processes (bench/versions_child.py) whose ``PYTHONPATH`` holds a ``caselog/``
package of links to that version's four folders: a path entry is searched before
setuptools' editable finder, which is appended to ``sys.meta_path``. The "after"
tree links to this checkout's working tree, so it measures the code as it is now,
committed or not. Each child checks where ``caselog.adapters.parsing`` came from.

First each version parses every file once (the survey): a file the current code
refuses and the old one accepted (the parser got stricter) is counted, and both
versions are then timed on the files both accept. Then rounds alternate, before,
after, after, before, ...: in each, a fresh child parses the files once untimed and
once timed (``parse_sessions`` on bytes in memory), then ingests them into a new
SQLite store, one ``ingest`` call per client, timing only those calls. Each figure
is the median over rounds of the before time ÷ the after time (the same files each
time, the two runs of a round adjacent), so above 1 the current code is the
faster; the detail gives the ratio of the summed times and of the CPU times too
(the machine is shared, and parsing is pure CPU). The detail names the commit
checked out and how many files differ from it, and says so if the four folders
changed while the rounds ran (other work in the same tree).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import ClientFiles
from .report import Row, ratio_row
from .timing import progress

BEFORE = "6fba2d9"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "projections", "application", "adapters", "cli")
"""The package folders of a version; a commit made before ``application/`` has the others."""


def extract(commit: str, into: Path) -> Path:
    """``commit``'s four package folders, from git, under ``into``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", commit],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, *present(listed)],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise RuntimeError(
            f"git archive {commit} failed: {archive.stderr.decode(errors='replace')[:200]}"
        )
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def working_tree() -> str:
    """What "after" is: the commit checked out, and how many of the four folders' files
    differ from it."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", *PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    dirty = f" + {len(changed)} uncommitted file(s)" if changed else ""
    return f"the working tree ({head or 'no HEAD'}{dirty})"


def present(names: Sequence[str]) -> list[str]:
    return [name for name in PACKAGES if name in names]


def digest(root: Path) -> str:
    """A hash of the package folders' Python sources, to tell whether they changed."""
    h = hashlib.sha256()
    for name in present([p.name for p in root.iterdir()]):
        for path in sorted((root / name).rglob("*.py")):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def link_tree(source: Path, into: Path) -> Path:
    """A PYTHONPATH entry whose ``caselog/`` links to ``source``'s package folders,
    as ``make typecheck`` builds build/typecheck/caselog."""
    package = into / "caselog"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in present([p.name for p in source.iterdir()]):
        (package / name).symlink_to(source / name, target_is_directory=True)
    return into


@dataclass
class Version:
    label: str
    root: Path
    """The folder holding this version's domain, projections, adapters and cli."""
    path: Path
    """Its PYTHONPATH entry."""
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def run(self, job: dict[str, Any], scratch: Path) -> dict[str, Any]:
        spec = scratch / f"job-{self.label}.json"
        spec.write_text(json.dumps({"root": str(self.root), **job}), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(self.path)}
        # Run as a script from the scratch folder: ``-m`` from the checkout would put the
        # checkout's own ``caselog/`` first on the path, ahead of this version's.
        child = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "versions_child.py"), str(spec)],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the {self.label} child failed: {child.stderr.strip()[-400:]}")
        answer: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        origin = os.path.realpath(answer["origin"])
        if not origin.startswith(os.path.realpath(self.root) + os.sep):
            raise RuntimeError(f"the {self.label} child imported {origin}, not {self.root}")
        return answer

    def total(self, key: str) -> float:
        return sum(r[key] for r in self.rounds)

    def median_rate(self, numerator: str, seconds: str) -> float:
        return statistics.median(r[numerator] / r[seconds] for r in self.rounds)


def _first_refusal(refused: dict[str, str]) -> str:
    name, why = next(iter(refused.items()))
    return f"{Path(name).name}: {why.replace(name, Path(name).name)[:160]}"


def before_after_rows(
    clients: Sequence[ClientFiles], scratch: Path, rounds: int = 3, commit: str = BEFORE
) -> list[Row]:
    """Parse and ingest throughput of the working tree against ``commit``, side by side."""
    scratch.mkdir(parents=True)
    old = extract(commit, scratch / "before-src")
    versions = (
        Version("before", old, link_tree(old, scratch / "before-path")),
        Version("after", ROOT, link_tree(ROOT, scratch / "after-path")),
    )
    before, after = versions
    now = working_tree()
    everything = [list(c.files) for c in clients]
    count = sum(len(files) for files in everything)
    progress(f"before/after: {commit} against {now}, {len(clients)} clients")
    survey = {"mode": "survey", "clients": everything}
    surveyed = {v.label: v.run(survey, scratch) for v in versions}
    for v in versions:
        progress(
            f"before/after: {v.label} imports caselog.adapters.parsing from "
            f"{os.path.realpath(surveyed[v.label]['origin'])}"
        )
    looser: dict[str, str] = surveyed["before"]["refused"]
    stricter: dict[str, str] = surveyed["after"]["refused"]
    newly = {n: w for n, w in stricter.items() if n not in looser}
    dropped = set(stricter) | set(looser)
    common = [[f for f in files if f not in dropped] for files in everything]
    common = [files for files in common if files]
    files = sum(len(f) for f in common)
    if not files:
        raise RuntimeError(f"no file both versions accept; after: {_first_refusal(stricter)}")
    progress(
        f"before/after: {count} files, {len(newly)} refused now that {commit} accepted, "
        f"{len(looser)} refused by {commit}; timing the {files} both accept"
    )

    at_start = digest(ROOT)
    for r in range(rounds):
        for version in versions if r % 2 == 0 else versions[::-1]:
            db = scratch / f"{version.label}-{r}.db"
            answer = version.run({"mode": "round", "clients": common, "db": str(db)}, scratch)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            version.rounds.append(answer)
            progress(
                f"before/after round {r + 1}/{rounds}, {version.label}: "
                f"parse {answer['files'] / answer['parse_seconds']:,.0f} files/s, ingest "
                f"{answer['events'] / answer['ingest_seconds']:,.0f} events/s"
            )

    if digest(ROOT) != at_start:
        progress("before/after: the working tree changed while the rounds ran")
        now += ", which changed while the rounds ran: the after rounds mix versions"
    order = " ".join(("B A" if r % 2 == 0 else "A B") for r in range(rounds))
    method = f"{rounds} rounds, fresh child processes alternating {order}"
    refusals = (
        f"; {len(newly)} of {count} files {commit} accepted are refused now "
        f"(e.g. {_first_refusal(newly)})"
        if newly
        else f"; all {count} files accepted by both"
    )
    if looser:
        refusals += f"; {len(looser)} refused by {commit} (e.g. {_first_refusal(looser)})"
    return [
        _ingest_row(before, after, files, len(common), method, refusals, f"{commit} against {now}"),
        _parse_row(before, after, files, method),
    ]


def paired(before: Version, after: Version, key: str) -> tuple[float, float]:
    """The median over rounds of before's time ÷ after's (a round's two runs are
    adjacent), and the same ratio of the times summed over all rounds."""
    each = [b[key] / a[key] for b, a in zip(before.rounds, after.rounds, strict=True)]
    return statistics.median(each), before.total(key) / after.total(key)


def _ratios(before: Version, after: Version, stage: str) -> tuple[float, str]:
    median, summed = paired(before, after, f"{stage}_seconds")
    _, cpu = paired(before, after, f"{stage}_cpu")
    return median, (
        f"median of the {len(after.rounds)} rounds' ratios (summed times: {summed:.2f}; "
        f"CPU time, summed: {cpu:.2f})"
    )


def _ingest_row(
    before: Version,
    after: Version,
    files: int,
    clients: int,
    method: str,
    refusals: str,
    versus: str,
) -> Row:
    ratio, how = _ratios(before, after, "ingest")
    events = {v.label: v.rounds[0]["events"] for v in (before, after)}
    counts = (
        f"{events['after']:,} events"
        if events["after"] == events["before"]
        else f"{events['before']:,} events before, {events['after']:,} after"
    )
    failed = ""
    for v in (before, after):
        bad = {k: n for k, n in v.rounds[0]["statuses"].items() if k != "recorded"}
        if bad:
            failed += f"; {v.label} did not record {bad} (e.g. {v.rounds[0]['errors'][:1]})"
    return ratio_row(
        "ingest after ÷ before (same files, SQLite)",
        ratio,
        at_least=0.9,
        detail=(
            f"{versus}; {clients} clients, {files} files, {counts}, "
            f"one ingest call per client into a new store; {method}; {how}; per-round "
            f"medians {before.median_rate('events', 'ingest_seconds'):,.0f} events/s before, "
            f"{after.median_rate('events', 'ingest_seconds'):,.0f} after "
            f"({before.median_rate('files', 'ingest_seconds'):,.1f} and "
            f"{after.median_rate('files', 'ingest_seconds'):,.1f} files/s)"
            f"{refusals}{failed}"
        ),
    )


def _parse_row(before: Version, after: Version, files: int, method: str) -> Row:
    ratio, how = _ratios(before, after, "parse")
    return ratio_row(
        "parse after ÷ before",
        ratio,
        at_least=0.9,
        detail=(
            f"parse_sessions(bytes, name) over the same {files} files in memory, after one "
            f"untimed pass; {method}; {how}; per-round medians "
            f"{before.median_rate('files', 'parse_seconds'):,.0f} files/s before, "
            f"{after.median_rate('files', 'parse_seconds'):,.0f} after"
        ),
    )
