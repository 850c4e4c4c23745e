"""Solving a round's frozen scenario: in the caller's thread, or in a child process of the server.

A server's round worker (``exchange.rounds.worker.RoundWorker``) solves in a ``SolverProcess``:
a child Python started once (a new interpreter, not a fork: it shares no threads, locks or
connections with the server, and never imports the server's main module) that imports the
solver and then solves the scenarios sent to it, one at a time, over a socket pair.
The solve is Python and native code that keeps one core busy; in a thread of the server it held
the interpreter lock that the API's requests, and the round's own storing, need. In a child:

- requests are served at full speed during a long solve;
- the work around the solve overlaps it: a run may send its snapshot before it commits
  (``exchange.rounds.handoff``), and the matches arrive before the solver explains the unmatched
  postings and serialises the result, so the worker stores the proposals meanwhile;
- a solve that dies (a fault in native code, the kernel's out-of-memory killer) fails its round
  with that reason, and the next solve gets a new child; one that runs far past its time limit
  is stopped (``overrun_s``);
- nothing else runs there, so it solves with the cyclic garbage collector paused and collects
  between solves (``solve_and_send``).

Tests, the demo and the command line solve in their own thread (``solve_here``); both ways give
the same ``Matched`` then ``Solved``.

Messages from the child, per solve: ``("progress", ProgressEvent)`` any number of times, then
``("matched", Matched)`` unless the round was refused or invalid, then exactly one of
``("solved", Solved)``, ``("refused", message)`` (``RoundTooLarge``) or ``("error", message,
traceback)``.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

import solver
from exchange.gc_pause import gc_paused

log = logging.getLogger("hrhx.rounds")

MatchRow = tuple[str, str, int, int, int, str | None]
"""A match as the proposals store it: deposit, withdrawal, count, benefit per worker (USD),
language training (months), agreement."""

OVERRUN_FACTOR = 3.0
OVERRUN_MIN_S = 60.0
DRAIN_S = 5.0


@dataclass(frozen=True)
class Matched:
    """A solve once its tiers are solved: what the round's row records, and the matches."""

    status: str  # OPTIMAL | FEASIBLE
    objective: tuple[int, int, int] | None
    rows: list[MatchRow]


@dataclass(frozen=True)
class Solved:
    """A solve's outcome: the result as its JSON text, and what the round's row records."""

    status: str  # OPTIMAL | FEASIBLE | INVALID
    text: str
    solve_seconds: float | None
    problems: str | None = None  # an INVALID scenario's problems, in one line


class SolverError(Exception):
    """The solve failed (an error in the solver, or its process stopped); the message says how."""


class SolverShutDown(SolverError):
    """The solver process was shut down with its server: the round is left to its lease."""


def matched_of(result: solver.Result) -> Matched:
    """The solver's result so far (``on_matched``), its matches as plain tuples (cheap to send
    between processes and to insert)."""
    objective = result.objective
    return Matched(
        status=result.status,
        objective=(
            (objective.priority_fill, objective.min_fill_permille, objective.benefit_usd)
            if objective is not None
            else None
        ),
        rows=[
            (
                m.deposit_id,
                m.withdrawal_id,
                m.count,
                m.benefit_usd_per_worker,
                m.language_training_months,
                m.agreement_id,
            )
            for m in result.matches or []
        ],
    )


def solved_of(result: solver.Result) -> Solved:
    """The summary of a result, with its JSON serialised once (by the model)."""
    problems = None
    if result.status == "INVALID":
        problems = "; ".join(f"{p.path}: {p.message}" for p in result.errors or [])
    return Solved(
        status=result.status,
        text=result.model_dump_json(exclude_none=True),
        solve_seconds=result.stats.solve_seconds if result.stats else None,
        problems=problems,
    )


ProgressHook = Callable[[solver.ProgressEvent], None]
MatchedHook = Callable[[Matched], None]


def solve_here(
    scenario: dict[str, Any],
    *,
    on_progress: ProgressHook,
    on_matched: MatchedHook,
    max_class_pairs: int | None,
) -> Solved:
    """Solve in this thread. Raises ``solver.RoundTooLarge`` when the round is refused."""
    result = solver.solve(
        scenario,
        on_progress=on_progress,
        on_matched=lambda matched: on_matched(matched_of(matched)),
        max_class_pairs=max_class_pairs,
    )
    return solved_of(result)


def overrun_s(scenario: dict[str, Any]) -> float:
    """How long a solve may take before it is stopped: well past the policy's time limit (which
    bounds the tiers, not the pairs' enumeration or the explanations)."""
    policy = scenario.get("policy")
    limit = policy.get("time_limit_s") if isinstance(policy, dict) else None
    if not isinstance(limit, int | float) or isinstance(limit, bool):
        limit = 60.0
    return max(OVERRUN_MIN_S, OVERRUN_FACTOR * float(limit))


class SolverProcess:
    """A child process that solves scenarios for one round worker (see the module's docstring).

    ``send`` starts a solve and ``receive`` waits for its messages; they may be called from
    different threads (a run sends, the worker receives), one solve at a time. A solve sent and
    never received (its run rolled back) is drained before the next one is sent.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._pending = False
        self._shut = False

    def start(self) -> None:
        """Start the child (it loads the solver in the background); idempotent."""
        if self._process is not None and self._process.poll() is None:
            return
        ours, theirs = socket.socketpair()
        code = f"import exchange.rounds.solving as s; s.serve_fd({theirs.fileno()})"
        # This code's own directory first, and not the working directory (-P): the child runs
        # the same code as its parent, whatever its working directory holds.
        root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        try:
            process = subprocess.Popen(
                [sys.executable, "-P", "-c", code],
                pass_fds=(theirs.fileno(),),
                env={**os.environ, "PYTHONPATH": path},
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._process, self._conn, self._pending = process, Connection(ours.detach()), False

    def shutdown(self) -> None:
        """Stop for good (the server stops): a solve under way is abandoned, and ``receive``
        raises ``SolverShutDown``."""
        self._shut = True
        self.stop()

    @property
    def busy(self) -> bool:
        """A solve was sent and its outcome not received yet."""
        return self._pending

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child: asked to exit, or killed if it is solving (or does not exit)."""
        process, conn, solving = self._process, self._conn, self._pending
        self._process, self._conn, self._pending = None, None, False
        if process is None or conn is None:
            return
        # idle, it exits when told; solving (it may not be reading), it is killed: it holds
        # nothing to clean up
        if not solving:
            try:
                conn.send(None)
                process.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if process.poll() is None:
            process.kill()
            process.wait()
        conn.close()

    @property
    def pid(self) -> int | None:
        """The child's process id (None when not started)."""
        return self._process.pid if self._process is not None else None

    def send(self, text: str, *, max_class_pairs: int | None) -> None:
        """Start solving ``text`` (a scenario's JSON)."""
        if self._shut:
            raise SolverShutDown("the solver process was shut down")
        if self._pending:
            self._drain()
        self.start()
        assert self._conn is not None
        try:
            self._conn.send(("solve", text.encode(), max_class_pairs))
        except OSError:  # the child died between solves: a new one takes it
            self.stop(0)
            self.start()
            assert self._conn is not None
            self._conn.send(("solve", text.encode(), max_class_pairs))
        self._pending = True

    def receive(
        self, *, on_progress: ProgressHook, on_matched: MatchedHook, overrun_s: float
    ) -> Solved:
        """The outcome of the solve sent; progress and matches go to the hooks as they come.

        Raises ``solver.RoundTooLarge`` when the round is refused, ``SolverError`` when the solve
        failed or its process stopped (the next ``send`` starts a new one) or overran."""
        conn = self._conn
        if self._shut:
            raise SolverShutDown("the solver process was shut down")
        if conn is None or not self._pending:
            raise SolverError("no solve was sent to the solver process")
        deadline = time.monotonic() + overrun_s
        while True:
            message = self._next(conn, deadline, overrun_s)
            kind = message[0]
            if kind == "progress":
                on_progress(message[1])
            elif kind == "matched":
                on_matched(message[1])
            else:
                self._pending = False
                if kind == "solved":
                    solved: Solved = message[1]
                    return solved
                if kind == "refused":
                    raise solver.RoundTooLarge(message[1])
                log.error("the solver process failed:\n%s", message[2])
                raise SolverError(message[1])

    def solve(
        self,
        scenario: dict[str, Any],
        text: str,
        *,
        on_progress: ProgressHook,
        on_matched: MatchedHook,
        max_class_pairs: int | None,
    ) -> Solved:
        """``send`` then ``receive``."""
        self.send(text, max_class_pairs=max_class_pairs)
        return self.receive(
            on_progress=on_progress, on_matched=on_matched, overrun_s=overrun_s(scenario)
        )

    def _next(self, conn: Connection, deadline: float, overrun: float) -> tuple[Any, ...]:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop(0)
                raise SolverError(f"the solve ran past {overrun:g} s and was stopped")
            try:
                if conn.poll(min(remaining, 1.0)):
                    message: tuple[Any, ...] = conn.recv()
                    return message
            except (EOFError, OSError):  # the child's end closed: it died, or was shut down
                if self._shut:
                    raise SolverShutDown("the solver process was shut down") from None
                process = self._process
                code = None
                if process is not None:
                    try:
                        code = process.wait(1)
                    except subprocess.TimeoutExpired:
                        pass
                self.stop(0)
                raise SolverError(f"the solver process stopped (exit code {code})") from None

    def _drain(self) -> None:
        """Wait out (discarding it) a solve whose run was rolled back; one that takes longer
        than ``DRAIN_S`` is stopped instead (a new child is quicker to start)."""
        try:
            self.receive(
                on_progress=lambda _event: None,
                on_matched=lambda _matched: None,
                overrun_s=DRAIN_S,
            )
        except (SolverError, solver.RoundTooLarge):
            pass


def serve_fd(fd: int) -> None:
    """The child's entry point: ``serve`` on the socket inherited as ``fd``."""
    serve(Connection(fd))


def serve(conn: Connection) -> None:
    """The child's loop: solve each scenario received, send its messages, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C stops it through the server
    import solver.round  # noqa: F401  (load the whole solver before the first round)

    gc.freeze()  # the solver's modules out of the collector's reach (see RoundWorker.start)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        _, text, max_class_pairs = message
        try:
            solve_and_send(conn, text, max_class_pairs)
        except (BrokenPipeError, EOFError):
            return
        gc.collect()  # between solves, what the pause below left (see there)


def solve_and_send(conn: Connection, text: bytes, max_class_pairs: int | None) -> None:
    """Solve one scenario in the child and send its messages.

    Nothing else runs in this process, so the cyclic collector waits until the outcome is sent
    (``exchange.gc_pause``): a solve allocates hundreds of thousands of objects, and the
    collections they trigger cost 5-10 % of it; ``serve`` collects once afterwards.
    """
    try:
        with gc_paused():
            result = solver.solve(
                orjson.loads(text),
                on_progress=lambda event: conn.send(("progress", event)),
                on_matched=lambda matched: conn.send(("matched", matched_of(matched))),
                max_class_pairs=max_class_pairs,
            )
            conn.send(("solved", solved_of(result)))
    except solver.RoundTooLarge as exc:
        conn.send(("refused", str(exc)))
    except (BrokenPipeError, EOFError):
        raise
    except Exception as exc:
        conn.send(("error", str(exc) or type(exc).__name__, traceback.format_exc()))
