"""The real server in a subprocess, for end-to-end, browser and crash tests; and free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
UVICORN_FACTORY = ("-m", "uvicorn", "--factory", "api.server:app_factory", "--host", "127.0.0.1")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server started as ``python ARGS --port PORT``, ready once ``/healthz`` answers 200."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        log: Path,
        startup_s: float = 60,
    ) -> None:
        self.args = list(args)
        self.env = {**os.environ, **env}
        self.log = log
        self.startup_s = startup_s
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Start the process and wait until it answers (its log is in the error otherwise)."""
        return self.launch().wait_ready()

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (``wait_ready`` waits)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *self.args, "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self) -> ServerProcess:
        """Wait until the launched process answers ``/healthz`` with 200 (its log is in the error
        if it stops or the startup time runs out first)."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + self.startup_s
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no flush of anything."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Terminate, and kill if it does not stop within 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
