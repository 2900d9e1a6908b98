"""Starts `khabar run`s as forks of one process that imported everything once, for the tests
that kill runs: importing Prefect, Great Expectations and trafilatura takes 8-15 s here, and a
test that kills twenty runs must not pay it twenty times. Each run is a real, separate process
(its own pid, its own Prefect client and flow run) that a test can SIGKILL.

Protocol, one JSON object per line — stdin: {"argv": [...], "env": {...}, "log": PATH};
stdout: {"pid": N} when the run starts, then {"pid": N, "exit": CODE} when it ends
(CODE -9: killed by SIGKILL)."""
from __future__ import annotations

import json
import os
import sys


def main() -> None:
    # Everything a run imports, imported before any thread exists (fork copies one thread only).
    import great_expectations  # noqa: F401
    import trafilatura  # noqa: F401

    from flows import cli, ingest  # noqa: F401
    from tasks import validate  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(cli, request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}), flush=True)


def _child(cli, request: dict) -> None:
    code = 1
    try:
        os.environ.update(request.get("env", {}))
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        code = cli.main(request["argv"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Zygote:
    """The test's side: a zygote process and the runs it forks."""

    def __init__(self, env: dict, cwd):
        import subprocess

        self.proc = subprocess.Popen([sys.executable, "-m", "tests.zygote"], env=env, cwd=cwd, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def start(self, argv: list[str], log, env: dict | None = None) -> int:
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env or {}, "log": str(log)}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["pid"]

    def wait(self) -> int:
        return json.loads(self.proc.stdout.readline())["exit"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


if __name__ == "__main__":
    main()
