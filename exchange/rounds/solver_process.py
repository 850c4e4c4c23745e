"""The child process in which a server solves rounds.

A server's round worker (``exchange.rounds.worker.RoundWorker``) solves in a ``SolverProcess``:
a child Python started once (a new interpreter, not a fork: it shares no threads, locks or
connections with the server, and never imports the server's main module) that imports the
solver and then solves the scenarios sent to it, one at a time, over a socket pair.
The solve is Python and native code that keeps one core busy; in a thread of the server it held
the interpreter lock that the API's requests, and the round's own storing, need. In a child:

- requests are served at full speed during a long solve;
- a solve that dies (a fault in native code, the kernel's out-of-memory killer) fails its round
  with that reason, and the next solve gets a new child; one that runs far past its time limit
  is stopped (``overrun_s``);
- nothing else runs there, so it solves with the cyclic garbage collector paused and collects
  between solves (``solve_and_send``).

Tests, the demo and the command line solve in their own thread (``solve_here``); both ways give
the same ``Solved``.

Messages from the child, per solve: ``("progress", ProgressEvent)`` any number of times, then
exactly one of ``("solved", Solved)``, ``("refused", message)`` (``RoundTooLarge``) or
``("error", message, traceback)``. One solve at a time: ``solve`` sends a scenario and reads its
messages to the end in the worker's thread.
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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

import solver
from exchange.gc_pause import gc_paused
from exchange.rounds.solving import (
    ProgressHook,
    Solved,
    SolverError,
    SolverShutDown,
    overrun_s,
    solved_of,
)

log = logging.getLogger("hrhx.rounds")


class SolverProcess:
    """A child process that solves scenarios for one round worker (see the module's docstring).

    ``solve`` sends a scenario and reads its messages to the end, one solve at a time, in the
    worker's thread; ``shutdown`` (another thread: the server stops) abandons it.
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
        code = f"import exchange.rounds.solver_process as s; s.serve_fd({theirs.fileno()})"
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
    def solving(self) -> bool:
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
            raise SolverError("a solve is already under way in the solver process")
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

    def receive(self, *, on_progress: ProgressHook, overrun_s: float) -> Solved:
        """The outcome of the solve sent; progress goes to the hook as it comes.

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
        max_class_pairs: int | None,
    ) -> Solved:
        """``send`` then ``receive``."""
        self.send(text, max_class_pairs=max_class_pairs)
        return self.receive(on_progress=on_progress, overrun_s=overrun_s(scenario))

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


def serve_fd(fd: int) -> None:
    """The child's entry point: ``serve`` on the socket inherited as ``fd``."""
    serve(Connection(fd))


def serve(conn: Connection) -> None:
    """The child's loop: solve each scenario received, send its messages, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C stops it through the server
    from solver.round import warm_up

    warm_up()  # the whole solver and its compiled loops loaded before the first round

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
                max_class_pairs=max_class_pairs,
            )
            conn.send(("solved", solved_of(result)))
    except solver.RoundTooLarge as exc:
        conn.send(("refused", str(exc)))
    except (BrokenPipeError, EOFError):
        raise
    except Exception as exc:
        conn.send(("error", str(exc) or type(exc).__name__, traceback.format_exc()))
