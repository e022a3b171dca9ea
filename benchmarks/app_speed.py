"""Launch time of the app and the time it takes to answer an analysis request, measured end to end.

    python benchmarks/app_speed.py [--repeats 5] [--port 0] [-- APP FLAGS...]

Starts ``python app.py`` as a subprocess on 127.0.0.1 (offline, embedded default unless app flags
are given after ``--``) and reports:

* launch: seconds from process start until the page answers HTTP 200;
* first analysis: the first ``/analyze`` request through ``gradio_client`` (it loads the model,
  and for the Korean engine the Kiwi morphological analyzer: the "cold" time a first visitor waits);
* warm analysis: median and min/max of ``--repeats`` further requests on different lyrics.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Original lines written for the benchmark (not real lyrics).
LYRICS = [
    "비가 내리는 밤이면\n너의 이름을 불러 보다 눈물이 흘러\n\n아침이 오면 다시 웃을 수 있을까\n햇살 속에서 행복을 찾을까",
    "오늘은 신나는 날\n친구들과 노래를 불러\n\n설레는 마음으로 달려가\n기쁜 하루가 시작돼",
    "믿었던 너의 거짓말에\n상처만 남은 이 밤\n\n화가 나서 잠을 못 자\n모든 게 지겹고 짜증 나",
    "내일이 두려워\n불안한 마음에 잠 못 들어\n\n걱정이 쌓여 가는 밤\n초조하게 시계만 봐",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, app_args=(), cwd: Path = ROOT, env: dict | None = None, log=None):
    """Start ``python app.py`` on 127.0.0.1:port; returns (process, seconds until the page answered)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), *app_args],
                            cwd=cwd, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = start + 120
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with code {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"app.py did not serve {url} within 120 s")


def timed_analysis(client, lyrics: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = client.predict(lyrics, "auto", api_name="/analyze")
    return time.perf_counter() - start, result[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5, help="warm analysis requests")
    p.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    p.add_argument("app_args", nargs="*", help="flags passed to app.py (after --)")
    args = p.parse_args(argv)

    from gradio_client import Client

    proc, launch = start_app(args.port or free_port(), args.app_args)
    try:
        client = Client(f"http://127.0.0.1:{proc.args[proc.args.index('--port') + 1]}/", verbose=False)
        cold, status = timed_analysis(client, LYRICS[0])
        if not status.startswith("✓"):
            raise RuntimeError(f"the analysis failed: {status}")
        warm = [timed_analysis(client, LYRICS[1 + i % (len(LYRICS) - 1)])[0] for i in range(args.repeats)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"launch (process start -> page served): {launch:.2f} s")
    print(f"first analysis request (loads the model): {cold:.3f} s")
    print(f"warm analysis request: median {statistics.median(warm):.3f} s "
          f"(min {min(warm):.3f}, max {max(warm):.3f}, n={len(warm)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
