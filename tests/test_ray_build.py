"""build_song_vectors --engine ray: real Ray clusters, a killed worker, an interrupted and resumed
driver, and the result compared song by song with the single-process build.

The catalog is made here from original lines written for this test (never real lyrics)."""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from hub.lyrics_file import LyricsFileError, read_lyrics_jsonl, read_records
from hub.search.story import STORY_FILE, StoryView
from training.build_song_vectors import main as build_main
from training.ray_build import parts_folder, plan_blocks, prepare_parts, read_block, shard_path

ROOT = Path(__file__).resolve().parent.parent

KOREAN = [
    "새벽 버스 창가에 입김으로 쓴 이름", "골목 끝 빵집 불빛이 아직 따뜻해", "우산 하나를 둘이 나눠 쓰던 여름",
    "편의점 앞 의자에 앉아 별을 셌지", "낡은 운동화 끈을 다시 묶어 본다", "너의 웃음소리가 계단을 타고 올라와",
    "지하철 막차가 떠나도 괜찮았어", "빨래가 마르는 옥상에 바람이 분다", "오래된 카세트에 네 목소리가 남아",
    "눈이 오면 그 공원에 다시 가자", "시계 바늘이 느리게만 흘러가", "서랍 속 편지를 꺼내 읽다 울었어",
    "등대처럼 너를 기다리고 있을게", "라디오 끝 곡이 우리 노래였지", "텅 빈 교실에 노을이 번져 와",
    "화가 나서 전화를 먼저 끊었어", "미안하다는 말이 목에 걸려", "두근대는 마음에 잠이 오지 않아",
    "오늘은 모든 게 다 잘될 것 같아", "기차표 두 장을 주머니에 넣고", "멀어지는 뒷모습에 손을 흔들었어",
    "작은 화분에 새싹이 돋았어", "비 맞은 고양이처럼 떨고 있었지", "우리 다시 처음처럼 걸어 보자",
]
ENGLISH = ["paper moon over the parking lot", "we danced on the roof till three", "call me when the rain stops",
           "neon hearts and empty streets", "hold on to the last train home"]
COUNTING = "하나 둘 셋 넷 다섯\n여섯 일곱 여덟 아홉 열"  # the Korean model finds no emotion here
MARK = "펑펑펑"  # the test engine raises on any batch holding this word: that song is 'failed'

ENGINE = f'''
from hub.predictor import load_predictor


class BrittleKote:
    """gasa-korean-kote, except that it raises on any batch holding {MARK}."""

    @classmethod
    def from_pretrained(cls, folder, **kwargs):
        predictor = load_predictor("gasa-korean-kote")
        # both ways of scoring a batch (a build reads songs with their stanzas) raise on the mark
        for method in ("predict_with_groups", "predict_with_stanzas"):
            setattr(predictor, method, brittle(getattr(predictor, method)))
        return predictor


def brittle(inner):
    def scored(texts, progress=False):
        if any("{MARK}" in t for t in texts):
            raise RuntimeError("this engine cannot read {MARK}")
        return inner(texts, progress=progress)
    return scored
'''


def stanza(rng, lines):
    return "\n".join(rng.choice(lines) for _ in range(rng.randint(3, 5)))


def make_catalog(n: int, seed: int = 7) -> list[dict]:
    """Songs of every kind a build meets: Korean, Korean with an English stanza, English only (read by the
    English model beside the Korean one), Japanese only (read by neither), empty, crawl errors, symbols only,
    no emotional evidence, and one the engine breaks on."""
    rng = random.Random(seed)
    songs = []
    for i in range(n):
        song = {"song_id": str(80000 + i), "title": f"노래 {i}", "artist": f"밴드 {i % 13}",
                "year": 1985 + i % 38, "status": "ok"}
        stanzas = [stanza(rng, KOREAN) for _ in range(rng.randint(2, 5))]
        if i % 7 == 3:
            stanzas.insert(1, stanza(rng, ENGLISH))
        song["lyrics"] = "\n\n".join(stanzas)
        if i % 13 == 5:
            song["lyrics"] = "\n\n".join(stanza(rng, ENGLISH) for _ in range(2))
        elif i % 17 == 6:
            song["lyrics"] = ""
        elif i % 19 == 7:
            song = {"song_id": song["song_id"], "title": song["title"], "status": "error", "note": "HTTP 503"}
        elif i % 23 == 8:
            song["lyrics"] = "★ ♪ ♪"
        elif i % 29 == 9:
            song["lyrics"] = COUNTING
        elif i % 31 == 11:
            song["lyrics"] = "あめのよる\nきみをまつ\n\nひとりで"  # written for these tests
        elif i % 61 == 10:
            song["lyrics"] += f"\n\n{MARK} 터지는 밤"
        songs.append(song)
    return songs


def write_jsonl(path: Path, songs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in songs), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_env(tmp_path_factory):
    """The test engine as a model folder and an environment for the CLI and Ray: the engine's module
    on the path (Ray workers import it), usage stats off, a token of our own (nothing in ~/.ray)."""
    pytest.importorskip("psutil")
    base = tmp_path_factory.mktemp("ray-engine")
    (base / "code").mkdir()
    (base / "code" / "gasa_brittle_engine.py").write_text(ENGINE, encoding="utf-8")
    model = base / "brittle-kote"
    model.mkdir()
    (model / "gasa_engine.json").write_text(json.dumps({"engine": "gasa_brittle_engine:BrittleKote"}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(base / "code"), str(ROOT)]),
           "RAY_USAGE_STATS_ENABLED": "0", "RAY_DISABLE_DOCKER_CPU_WARNING": "1", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": uuid.uuid4().hex, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("RAY_ADDRESS", None)
    return {"model": model, "code": base / "code", "env": env}


# --- processes: everything a test starts is ended by it, by pid -----------------------------------

def descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def title(process) -> str:
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def end_all(processes) -> None:
    import psutil

    for p in processes:
        try:
            if p.is_running():  # psutil checks the start time too: never a reused pid
                p.kill()
        except psutil.Error:
            pass


def run_cli(args, env, log: Path, on_poll=None, timeout: float = 240.0, watch=None):
    """Run the CLI in its own session, calling ``on_poll(proc)`` every 50 ms; every process it
    started (its Ray cluster) is killed at the end, whatever happens. Returns (exit code, output)."""
    import psutil

    seen = {}
    with log.open("w") as out:
        # SIGINT at its default disposition, as in a terminal: a test run started in the background hands it
        # down ignored, and the build would never see the Ctrl-C a test sends it
        proc = subprocess.Popen([sys.executable, "-m", "training.build_song_vectors", *map(str, args)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            for p in descendants(proc.pid):
                seen.setdefault(p.pid, p)
            if on_poll is not None:
                on_poll(proc)
            assert time.monotonic() < deadline, f"the build took over {timeout} s:\n{log.read_text()[-3000:]}"
            time.sleep(0.05)
        # the driver ends its local cluster itself (also when interrupted): give it a moment, then check
        gone, alive = psutil.wait_procs(list(seen.values()), timeout=15)
        assert not alive, f"left running after the driver exited: {[title(p) for p in alive]}"
        return proc.returncode, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        end_all(seen.values())


def start_head(env, log: Path, temp_dir: Path):
    """``ray start --head --block`` with 2 CPUs, on free ports, its files (and its address file, which
    a plain ``ray.init()`` would look for) in ``temp_dir``; returns (process, address)."""
    port = free_port()
    head = subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",  # `ray start`
                             "--port", str(port), "--num-cpus", "2", "--temp-dir", str(temp_dir),
                             "--object-store-memory", str(200 * 1024 ** 2), "--include-dashboard", "false",
                             "--disable-usage-stats", "--ray-client-server-port", str(free_port()),
                             "--dashboard-agent-listen-port", str(free_port())],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while "Ray runtime started" not in log.read_text():
        assert head.poll() is None and time.monotonic() < deadline, f"ray start failed:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    return head, f"127.0.0.1:{port}"


def stop_head(head) -> None:
    """Kill the head's processes (a throwaway cluster: its own SIGTERM handling takes tens of seconds)."""
    import psutil

    family = descendants(head.pid)
    end_all(family + [psutil.Process(head.pid)] if head.poll() is None else family)
    head.wait()
    psutil.wait_procs(family, timeout=10)


# --- comparing two builds -------------------------------------------------------------------------------

def load(folder: Path) -> dict:
    import pyarrow.parquet as pq

    return pq.read_table(folder / "data" / "train-00000-of-00001.parquet").to_pydict()


def assert_same_build(local: Path, ray: Path) -> None:
    a, b = load(local), load(ray)
    assert a["song_id"] == b["song_id"]
    for column in ("title", "artist", "year", "status", "read_share", "top_label", "top_labels", "model",
                   "model_revision", "lyric_fingerprint"):
        assert a[column] == b[column], column
    np.testing.assert_allclose(np.array(b["probs"]), np.array(a["probs"]), atol=1e-6, rtol=0)
    # one story view, fitted on the same songs by the driver as by the local build, and every song's story in it
    views = [StoryView.load(folder / STORY_FILE) for folder in (local, ray)]
    assert views[0].vocabulary == views[1].vocabulary and views[0].n_songs == views[1].n_songs
    np.testing.assert_array_equal(views[0].components, views[1].components)
    np.testing.assert_allclose(np.array(b["story"]), np.array(a["story"]), atol=1e-6, rtol=0)
    read = lambda f: [json.loads(line) for line in (f / "skipped.jsonl").read_text(encoding="utf-8").splitlines()]
    assert read(local) == read(ray)
    assert (local / "README.md").read_text(encoding="utf-8") == (ray / "README.md").read_text(encoding="utf-8")


def reported_workers(log: Path) -> set[int]:
    """The pids of the workers whose finished blocks the driver has already reported in ``log``
    ("block 3/30: 12 songs in 0.4 s (pid 123 on host); ..."). A shard on disk is not enough: a worker
    killed between writing its shard and handing back its row never reaches the driver's summary."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return {int(pid) for pid in re.findall(r"\(pid (\d+) on ", text)}


# --- the tests -------------------------------------------------------------------------------------------------

def test_ray_build_equals_local_after_interrupt_and_killed_worker(ray_env, tmp_path, monkeypatch, capsys):
    pytest.importorskip("ray")
    lyrics = write_jsonl(tmp_path / "lyrics.jsonl", make_catalog(360))
    env, model = ray_env["env"], ray_env["model"]

    # the single-process build, the reference (in this process: the engine's module on the path)
    monkeypatch.syspath_prepend(str(ray_env["code"]))
    local = tmp_path / "local"
    assert build_main(["--model", str(model), "--lyrics", str(lyrics), "--output", str(local)]) == 0
    statuses = {json.loads(line)["status"] for line in (local / "skipped.jsonl").read_text(encoding="utf-8").splitlines()}
    assert statuses == {"no_lyrics", "error", "unusable_lyrics", "no_readable_lines", "failed"}
    assert set(load(local)["status"]) == {"ok", "no_evidence"}
    assert "scoring the batch failed" in capsys.readouterr().err

    out = tmp_path / "ray"
    parts = parts_folder(out)
    args = ["--model", model, "--lyrics", lyrics, "--output", out, "--engine", "ray", "--num-workers", 2,
            "--block-size", 12]  # 30 blocks

    # 1. a local Ray cluster (2 CPUs), interrupted (Ctrl-C) once a few shards are written
    def interrupt_when_started(proc):
        if not getattr(proc, "interrupted", False) and len(list(parts.glob("block-*.parquet"))) >= 3:
            proc.send_signal(signal.SIGINT)
            proc.interrupted = True

    code, log = run_cli(args, env, tmp_path / "run1.log", on_poll=interrupt_when_started)
    assert code == 130, log
    assert "interrupted: " in log and "rerun the same command" in log
    assert not out.exists()
    done_before = sorted(p.name for p in parts.glob("block-*.parquet"))
    assert 3 <= len(done_before) < 30 and not list(parts.glob(".*tmp*"))

    # 2. rerun on a cluster started apart (`ray start --head`), joined with --address: it computes only
    # the missing blocks; one worker is killed (SIGKILL) mid-run and Ray restarts it
    temp_dir = Path(tempfile.mkdtemp(prefix="gasa-ray-"))  # short: Ray's socket paths live under it
    head, address = start_head(env, tmp_path / "head.log", temp_dir)
    killed = []

    def kill_a_busy_worker(proc):
        if killed:
            return
        busy = reported_workers(tmp_path / "run2.log")  # workers whose finished block the driver has reported
        written = len(list(parts.glob("block-*.parquet")))
        for p in descendants(head.pid):
            if p.pid in busy and "MapWorker" in title(p) and written < 30 - 4:
                p.send_signal(signal.SIGKILL)
                killed.append((p.pid, written))
                return

    try:
        code, log = run_cli([*args, "--address", address], env, tmp_path / "run2.log", on_poll=kill_a_busy_worker)
    finally:
        stop_head(head)
        shutil.rmtree(temp_dir, ignore_errors=True)
    assert code == 0, log
    assert killed, f"no worker was killed while blocks remained:\n{log[-3000:]}"
    assert f"{len(done_before)} already done" in log
    assert f"computed {30 - len(done_before)} of 30 blocks" in log and "songs/s overall" in log
    assert f"worker pid {killed[0][0]} on" in log  # it had scored blocks before it was killed
    assert not parts.exists()  # the work in progress is removed once the dataset is written

    assert_same_build(local, out)


def test_ray_build_scores_with_the_local_builds_options(ray_env, tmp_path):
    """--quantize int8 --verify-margin on Ray: the workers load the predictor with the options (a margin
    every song falls under: the fp32 model's vectors, as the local fp32 build) and the card says so."""
    pytest.importorskip("ray")
    from hub.labels import AIHUB
    from training.tiny_models import make_classifier

    songs = make_catalog(40)
    model = make_classifier(tmp_path / "model", [s["lyrics"] for s in songs if s.get("lyrics")][:12], AIHUB.labels,
                            head="arch2", vocab_size=300)
    lyrics = write_jsonl(tmp_path / "lyrics.jsonl", songs)
    local = tmp_path / "local"
    assert build_main(["--model", str(model), "--lyrics", str(lyrics), "--output", str(local)]) == 0
    out = tmp_path / "ray"
    code, log = run_cli(["--model", model, "--lyrics", lyrics, "--output", out, "--engine", "ray", "--num-workers", 2,
                         "--block-size", 10, "--quantize", "int8", "--verify-margin", "0.99"], ray_env["env"],
                        tmp_path / "ray.log")
    assert code == 0, log[-3000:]
    a, b = load(local), load(out)
    assert a["song_id"] == b["song_id"] and a["status"] == b["status"]
    np.testing.assert_allclose(np.array(b["probs"]), np.array(a["probs"]), atol=1e-5, rtol=0)
    assert "scored again in fp32" in (out / "README.md").read_text(encoding="utf-8")


def test_ray_errors_are_one_sentence(ray_env, tmp_path):
    pytest.importorskip("ray")
    lyrics = write_jsonl(tmp_path / "lyrics.jsonl", make_catalog(4))
    env = ray_env["env"]
    port = free_port()  # nothing listens there
    for address, expected in ((f"127.0.0.1:{port}", f"error: no Ray cluster answers at 127.0.0.1:{port}"),
                              ("no-port-here", "is not host:port"),
                              ("ray://127.0.0.1:10001", "Ray Data does not run through a Ray Client address")):
        result = subprocess.run([sys.executable, "-m", "training.build_song_vectors", "--lyrics", lyrics, "--output",
                                 tmp_path / "out", "--engine", "ray", "--address", address], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "out.parts").exists()  # nothing was done: no work in progress left
    # a model that cannot be there is reported before any worker starts, as the local build words it
    result = subprocess.run([sys.executable, "-m", "training.build_song_vectors", "--lyrics", lyrics, "--output",
                             tmp_path / "out", "--engine", "ray", "--model", tmp_path / "no-such-model"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "is neither an existing folder nor a Hub model id" in result.stderr
    # Ray options without --engine ray are a usage error
    result = subprocess.run([sys.executable, "-m", "training.build_song_vectors", "--lyrics", lyrics, "--output",
                             tmp_path / "out", "--num-workers", "2"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "only apply with --engine ray" in result.stderr


def test_without_ray_installed(ray_env, tmp_path):
    """Ray stays optional: the local build runs without it, and --engine ray says how to install it."""
    lyrics = write_jsonl(tmp_path / "lyrics.jsonl", make_catalog(6))
    no_ray = ("import sys; sys.modules['ray'] = None; "  # `import ray` now raises ImportError
              "from training.build_song_vectors import main; sys.exit(main(sys.argv[1:]))")
    base = [sys.executable, "-c", no_ray, "--lyrics", str(lyrics), "--output"]
    result = subprocess.run(base + [str(tmp_path / "ray"), "--engine", "ray"], cwd=ROOT, env=ray_env["env"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: --engine ray needs Ray, which is not installed")
    assert "pip install -r requirements-ray.txt" in result.stderr
    result = subprocess.run(base + [str(tmp_path / "local")], cwd=ROOT, env=ray_env["env"], capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "wrote " in result.stdout


def test_blocks_read_what_the_local_build_reads(tmp_path):
    """The blocks of a JSONL file and of Parquet shards (several files, several row groups) give back
    exactly the records the single-process build reads, in order; broken files get its messages."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    songs = make_catalog(50, seed=3)
    lyrics = write_jsonl(tmp_path / "lyrics.jsonl", songs)
    (tmp_path / "with-blank-lines.jsonl").write_text(lyrics.read_text(encoding="utf-8").replace("\n", "\n\n", 7),
                                                     encoding="utf-8")
    for source in (lyrics, tmp_path / "with-blank-lines.jsonl"):
        expected = read_lyrics_jsonl(source)
        for size in (1, 7, 50, 64):
            plan, used = plan_blocks(source, size)
            assert used == size and len(plan.blocks) == -(-50 // size)
            assert [r for b in plan.blocks for r in read_block(json.loads(json.dumps(b)))] == expected
            assert plan.ids == [r["song_id"] for r in expected]

    shards = tmp_path / "shards"
    (shards / "b").mkdir(parents=True)
    columns = ["song_id", "title", "artist", "year", "status", "lyrics", "note"]
    table = pa.table({c: [s.get(c) for s in songs] for c in columns})
    pq.write_table(table.slice(0, 20), shards / "a.parquet", row_group_size=6)
    pq.write_table(table.slice(20, 30), shards / "b" / "c.parquet", row_group_size=4)
    expected = read_records(shards)
    assert expected == read_lyrics_jsonl(lyrics)  # the same songs whichever the format
    for size in (3, 8, 50):
        plan, _ = plan_blocks(shards, size)
        assert [r for b in plan.blocks for r in read_block(b)] == expected
    assert plan_blocks(shards, 8)[0].sha256 != plan_blocks(lyrics, 8)[0].sha256

    # the checks and messages of the local reader
    for name, text in (("bad.jsonl", '{"song_id": "1"}\n{"song_id": \n'),
                       ("dupe.jsonl", '{"song_id": "1"}\n\n{"song_id": " 1 "}\n'),
                       ("noid.jsonl", '{"song_id": "1"}\n["a"]\n')):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(LyricsFileError) as local_error:
            read_lyrics_jsonl(tmp_path / name)
        with pytest.raises(LyricsFileError) as ray_error:
            plan_blocks(tmp_path / name)
        assert str(ray_error.value) == str(local_error.value)
    pq.write_table(pa.table({"song_id": ["1", None]}), tmp_path / "noid.parquet")
    with pytest.raises(LyricsFileError, match=r"noid.parquet: row 1: each row needs a 'song_id'"):
        read_records(tmp_path / "noid.parquet")


def test_parts_of_another_build_are_discarded(tmp_path):
    parts = parts_folder(tmp_path / "songs")
    assert parts == (tmp_path / "songs.parts").resolve()
    manifest = {"sha256": "a", "block_size": 10}
    prepare_parts(parts, manifest)
    shard_path(parts, 0).write_bytes(b"done")
    (parts / ".block-000001.parquet.tmp-99").write_bytes(b"half")  # a worker killed while writing
    prepare_parts(parts, manifest)  # the same build: shards kept, half-written files removed
    assert shard_path(parts, 0).exists() and not list(parts.glob(".*tmp*"))
    prepare_parts(parts, {**manifest, "sha256": "b"})  # the input changed: start over
    assert not shard_path(parts, 0).exists()
    assert json.loads((parts / "manifest.json").read_text())["sha256"] == "b"
