"""A long-lived projection worker: keep the read models current as events are recorded.

    follower = Follower(ReadModels(app, only_if_kept=True), on_batch=print)
    with stop_on_signals(follower):
        follower.run()            # until SIGTERM or SIGINT
    follower.models.position()    # where it stopped; a restart resumes from there

On PostgreSQL it follows the log through eventsourcing's subscription
(``app.recorder.subscribe(gt=position)``): LISTEN/NOTIFY wakes it as soon as
events are committed, and it reads them in notification order. On SQLite,
which cannot notify, it polls: one catch-up step every ``interval`` seconds
while idle, back to back while there is a backlog.

Either way it applies whatever has arrived (at most ``BATCH`` events) as one
batch through ``ReadModels.apply``, in one transaction with the new position.
A stop request (``stop()``, safe to call from a signal handler) lets the batch
in hand finish and then ends ``run``; a second one aborts it, rolled back. A
process killed outright loses at most its uncommitted batch, which the next
run applies again: every event is applied exactly once.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from eventsourcing.persistence import Notification

from caselog.adapters.database import first_line
from caselog.adapters.readmodels import BATCH, Batch, ReadModels
from caselog.domain.errors import StoreError

TICK = 0.1
"""How often a waiting follower looks at its stop flag (seconds)."""


class Aborted(BaseException):
    """A second stop request: abandon the batch in hand (it is rolled back)."""


@dataclass(frozen=True)
class Progress:
    applied: int
    position: int


class Follower:
    def __init__(
        self,
        models: ReadModels,
        *,
        interval: float = 0.5,
        on_batch: Callable[[Progress], None] | None = None,
    ) -> None:
        self.models = models
        self.interval = interval
        self.on_batch = on_batch
        self.stopping = False
        self.applied = 0

    @property
    def mode(self) -> str:
        """How new events are noticed: ``listen`` (PostgreSQL) or ``poll`` (SQLite)."""
        return "listen" if self.models.db.kind == "postgresql" else "poll"

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand. Only sets a flag, so it is safe
        in a signal handler (taking a lock there could deadlock the interrupted thread)."""
        self.stopping = True

    def run(self, *, until_idle: bool = False) -> int:
        """Follow the log until stopped (or, with ``until_idle``, until nothing is left to
        apply); the number of events this runner applied."""
        if until_idle:
            while not self.stopping:
                if not self._step().more:
                    break
        elif self.mode == "listen":
            self._listen()
        else:
            self._poll()
        return self.applied

    # --- SQLite: polling --------------------------------------------------------------

    def _poll(self) -> None:
        while not self.stopping:
            if not self._step().more:
                self._sleep(self.interval)

    def _step(self) -> Batch:
        batch = self.models.step()
        self._report(batch.applied, batch.position)
        return batch

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(TICK, left))

    # --- PostgreSQL: LISTEN/NOTIFY through eventsourcing's subscription -----------------

    def _listen(self) -> None:
        while not self.stopping:
            seen = self.models.position()
            subscription = self.models.app.recorder.subscribe(gt=seen)
            feed = _Feed(subscription)
            try:
                behind = self._drain(feed, seen)
            finally:
                feed.close()
            if not behind:
                return
            # The read models were rebuilt meanwhile: subscribe again from their position.

    def _drain(self, feed: _Feed, seen: int) -> bool:
        """Apply what the feed brings until stopped (False), or until the position is found
        behind the feed's (True): the read models were rebuilt by someone else."""
        while not self.stopping:
            notifications = feed.take(BATCH, timeout=TICK)
            if not notifications:
                continue
            done = self.models.apply(seen, notifications)
            if done is None:
                return True
            applied, position = done
            seen = notifications[-1].id
            self._report(applied, position)
        return False

    def _report(self, applied: int, position: int) -> None:
        self.applied += applied
        if applied and self.on_batch is not None:
            self.on_batch(Progress(applied=applied, position=position))


class _Feed:
    """Notifications from a subscription, handed over in batches.

    A thread iterates the subscription (whose ``next`` blocks until something is
    committed) into a bounded queue, so the main thread can wait with a timeout,
    notice a stop request, and take everything that has arrived as one batch.
    """

    def __init__(self, subscription: Any) -> None:
        self.subscription = subscription
        self.queue: queue.Queue[Notification] = queue.Queue(maxsize=2 * BATCH)
        self.error: BaseException | None = None
        self.closed = False
        subscription.__enter__()
        self.thread = threading.Thread(target=self._pump, name="caselog-follow", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        try:
            for notification in self.subscription:
                while not self.closed:
                    try:
                        self.queue.put(notification, timeout=TICK)
                        break
                    except queue.Full:
                        continue
                if self.closed:
                    return
        except BaseException as e:  # the subscription's own threads failed
            self.error = e
        else:
            if not self.closed:
                self.error = StoreError("the subscription to new events ended")

    def take(self, limit: int, timeout: float) -> list[Notification]:
        """What has arrived, at most ``limit``; waits up to ``timeout`` for the first."""
        try:
            batch = [self.queue.get(timeout=timeout)]
        except queue.Empty:
            self._raise_error()
            return []
        while len(batch) < limit:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _raise_error(self) -> None:
        if self.error is not None:
            raise StoreError(
                f"lost the subscription to new events ({first_line(self.error)}); "
                "restart `caselog project follow`: it resumes where it stopped"
            )

    def close(self) -> None:
        self.closed = True
        try:
            self.subscription.__exit__(None, None, None)  # stops it and joins its threads
        finally:
            self.thread.join(timeout=5)


@contextmanager
def stop_on_signals(
    follower: Follower, signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)
) -> Iterator[None]:
    """While inside, the first SIGTERM/SIGINT asks ``follower`` to stop after its batch in
    hand; a second one raises ``Aborted`` in the main thread (the batch is rolled back)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if follower.stopping:
            raise Aborted(signal.Signals(signum).name)
        follower.stop()

    previous = {s: signal.signal(s, handle) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
