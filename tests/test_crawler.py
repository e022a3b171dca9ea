"""The lyrics crawler drives real headless Chromium (ChromeDriver) against pages served on 127.0.0.1."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from hub.lyrics_file import LyricsFileError, read_lyrics_jsonl
from training import crawl_melon
from training.crawl_melon import CrawlError, MelonCrawler, Selectors, _html_to_text, main

FIXTURES = Path(__file__).parent / "fixtures" / "melon"
ROOT = Path(__file__).resolve().parent.parent


class FakeMelon(ThreadingHTTPServer):
    """Serves the fixture pages like Melon's URLs; counts hits, can fail or slow chosen songs."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits = Counter()
        self.fail_first = {}   # song id -> number of 503 answers before a good one
        self.slow = {}         # song id -> seconds to stall before answering
        self.closing = threading.Event()  # set at teardown: stalled answers give up
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        server = self.server
        if url.path == "/song/detail.htm":
            song_id = parse_qs(url.query).get("songId", [""])[0]
            server.hits[song_id] += 1
            if server.fail_first.get(song_id, 0) >= server.hits[song_id]:
                return self._send(503, "<html><body><h1>Service busy</h1></body></html>")
            if server.closing.wait(server.slow.get(song_id, 0)):
                return
            page = FIXTURES / f"song_{song_id}.html"
        else:
            server.hits[url.path] += 1
            page = FIXTURES / url.path.lstrip("/")
        if not page.is_file():
            return self._send(404, "<html><body>not found</body></html>")
        self._send(200, page.read_text(encoding="utf-8"))

    def _send(self, code, body):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def site():
    server = FakeMelon()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


PAPER_BOATS = ("I folded your letters into paper boats\n"
               "and watched them sink below the pier\n"
               "the tide keeps every word I wrote\n"
               "\n"
               "now the harbor lights are out\n"
               "and I am still waiting here")
WINDOW_SEAT = ("counting poles along the railway line\n"
               "the fields go by in yellow & grey\n"
               'I wrote "soon" on the foggy glass\n'
               "\n"
               "the conductor doesn't ask my name\n"
               "a paper cup of tea goes cold\n"
               "and the next stop is not mine")


def crawler(site, **kw):
    return MelonCrawler(base_url=site.base, delay=0.05, backoff=2.0, wait=1.0, retries=kw.pop("retries", 2), **kw)


def test_crawl_playlist_with_missing_lyrics_and_a_flaky_page(site, tmp_path):
    site.fail_first["1005"] = 1  # first load is a 503 error page: retried with backoff
    out = tmp_path / "lyrics.jsonl"
    with crawler(site) as c:
        assert c.playlist_song_ids(f"{site.base}/playlist.html") == ["1001", "1002", "1003", "1004", "1005"]
        counts = c.crawl(f"{site.base}/playlist.html", out, progress=False)
    assert counts == {"playlist": 5, "skipped": 0, "ok": 4, "no_lyrics": 1, "error": 0}
    records = {r["song_id"]: r for r in read_lyrics_jsonl(out)}
    assert list(records) == ["1001", "1002", "1003", "1004", "1005"]

    boats = records["1001"]
    assert (boats["title"], boats["artist"], boats["year"], boats["status"]) == ("Paper Boats", "Harbor Lights", 1994, "ok")
    assert boats["lyrics"] == PAPER_BOATS  # the stanza break (<br><br>) survives
    assert records["1002"]["artist"] == "Moonwalk Club, DJ Sunny"
    assert "dancing & bright" in records["1002"]["lyrics"]
    assert records["1004"]["title"] == "가로등 아래" and records["1004"]["year"] == 2011
    assert records["1004"]["lyrics"].startswith("가로등 아래 혼자 남은 밤")

    no_lyrics = records["1003"]
    assert no_lyrics["status"] == "no_lyrics" and no_lyrics["lyrics"] is None
    assert ".section_lyric .lyric" in no_lyrics["note"] and no_lyrics["title"] == "Instrumental Tide"
    assert records["1005"]["status"] == "ok" and site.hits["1005"] == 2


def test_not_a_playlist_and_layout_change(site, tmp_path):
    with crawler(site, retries=0) as c:
        with pytest.raises(CrawlError, match="does not look like a playlist page.*input_check"):
            c.playlist_song_ids(f"{site.base}/not_playlist.html")
        # the song page layout changed: the lyric selector no longer matches anything
        c.selectors = Selectors(lyrics=".lyrics-v2")
        record = c.fetch_song("1001")
        assert record["status"] == "no_lyrics" and ".lyrics-v2" in record["note"]
        # a page that never loads properly becomes an error record, not an exception
        site.fail_first["1002"] = 99
        record = c.fetch_song("1002")
        assert record["status"] == "error" and "did not load" in record["note"]


def test_resume_after_interruption_loses_nothing(site, tmp_path):
    out = tmp_path / "lyrics.jsonl"
    site.slow["1004"] = 20  # the crawl hangs on the 4th song and gets interrupted there
    cmd = [sys.executable, "-m", "training.crawl_melon", "--playlist", f"{site.base}/playlist.html",
           "--output", str(out), "--base-url", site.base, "--delay", "0.05", "--wait", "5", "--retries", "0", "--page-timeout", "4"]
    # Ctrl-C as in a terminal: a command started in the background (`cmd &`, nohup) inherits SIGINT ignored, and
    # Python then never turns SIGINT into KeyboardInterrupt; the crawl is started with the default disposition
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and site.hits["1004"] == 0:
            time.sleep(0.2)
        assert site.hits["1004"] == 1, "the crawl never reached song 1004"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "run the same command to resume" in err
    saved = [r["song_id"] for r in read_lyrics_jsonl(out)]
    assert saved == ["1001", "1002", "1003"]

    # a half-written line from a hard kill is dropped, not fatal
    with out.open("a", encoding="utf-8") as f:
        f.write('{"song_id": "1004", "tit')
    site.slow.clear()
    before = dict(site.hits)
    assert main(cmd[3:]) == 0
    records = read_lyrics_jsonl(out)
    assert [r["song_id"] for r in records] == ["1001", "1002", "1003", "1004", "1005"]
    # songs already saved were not fetched again
    assert all(site.hits[i] == before.get(i, 0) for i in ("1001", "1002", "1003"))
    assert site.hits["1004"] == before["1004"] + 1 and site.hits["1005"] == 1


def test_limit_and_selectors_file(site, tmp_path):
    sel = tmp_path / "sel.json"
    sel.write_text(json.dumps({"song_id": "a[href*=goSongDetail]", "song_id_attr": "href"}))
    out = tmp_path / "lyrics.jsonl"
    assert main(["--playlist", f"{site.base}/playlist.html", "--output", str(out), "--base-url", site.base,
                 "--selectors", str(sel), "--limit", "2", "--delay", "0"]) == 0
    assert [r["song_id"] for r in read_lyrics_jsonl(out)] == ["1001", "1002"]
    sel.write_text(json.dumps({"lyric": ".x"}))
    assert main(["--playlist", f"{site.base}/playlist.html", "--output", str(out), "--selectors", str(sel)]) == 2


def test_lyrics_file_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"song_id": "1"}\n{"song_id": "2", \n', encoding="utf-8")
    with pytest.raises(LyricsFileError, match=r"bad.jsonl:2: not valid JSON"):
        read_lyrics_jsonl(bad)
    bad.write_text('{"song_id": "1"}\n\n{"song_id": "1"}\n', encoding="utf-8")
    with pytest.raises(LyricsFileError, match=r"bad.jsonl:3: song_id '1' already appears on line 1"):
        read_lyrics_jsonl(bad)
    bad.write_text('["not", "an object"]\n', encoding="utf-8")
    with pytest.raises(LyricsFileError, match="bad.jsonl:1: each line must be a JSON object"):
        read_lyrics_jsonl(bad)


# --- lyrics text: one line per <br>, one blank line between stanzas ------------------------------

def test_stanzas_come_out_as_the_page_shows_them(site, tmp_path):
    # 1006: stanza 1 has a source newline after each <br>, stanza 2 none; <br/>, <br />, <BR>,
    # entities, indentation and &nbsp; at line ends; the lyric box is clipped like Melon's.
    # 1001: no source newlines at all, stanza break <br><br>.
    out = tmp_path / "lyrics.jsonl"
    with crawler(site) as c:
        counts = c.crawl(f"{site.base}/playlist_stanzas.html", out, progress=False)
        assert counts["ok"] == 2
        records = {r["song_id"]: r for r in read_lyrics_jsonl(out)}
        assert records["1006"]["lyrics"] == WINDOW_SEAT
        assert records["1001"]["lyrics"] == PAPER_BOATS
        assert [block.count("\n") for block in WINDOW_SEAT.split("\n\n")] == [2, 2]  # two blocks of 3 lines
        assert records["1006"]["title"] == "Window Seat"  # the hidden "곡명" label is not rendered
        # the same markup in an element that is not rendered (display:none) is parsed instead
        c.selectors = Selectors(lyrics=".section_lyric .lyric_hidden")
        assert c.fetch_song("1006")["lyrics"] == WINDOW_SEAT


@pytest.mark.parametrize("markup, text", [
    ("a<br>b<br><br>c", "a\nb\n\nc"),
    ("a<br>\nb<br>\n<br>\nc<br>\n", "a\nb\n\nc"),
    ("\n   a<br/>\n   b<br />\r\n   <BR>\n   c   ", "a\nb\n\nc"),
    ("<!-- note -->a &amp; b&nbsp;<br>&quot;c&quot; d&#39;s", 'a & b\n"c" d\'s'),
    ("a\nb<br><br><br><br>c", "a b\n\nc"),  # source newlines are spaces; runs of empty lines merge
    ("<div>a</div>\n<div>b</div><p>c</p>", "a\nb\n\nc"),
    ("a<script>x</script><span>b</span></br>c", "ab\nc"),
])
def test_html_to_text(markup, text):
    assert _html_to_text(markup) == text


# --- stopping: SIGTERM like Ctrl-C; what a SIGKILL leaves is cleaned by the next crawl ---------

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _stat(pid):
    """(state, ppid, start ticks) or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def _descendants(root):
    """(pid, start ticks) of every process below ``root``."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))):
            table[int(entry.name)] = st
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, (_, ppid, _) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return {(pid, table[pid][2]) for pid in found}


def _running(procs):
    return sorted(pid for pid, start in procs if (st := _stat(pid)) and st[0] not in "ZX" and st[2] == start)


def _naming(folder):
    """Running processes whose command line or environment mentions ``folder``."""
    needle = os.fsencode(str(folder)) + b"/"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        st = _stat(int(entry.name))
        if not st or st[0] in "ZX":
            continue
        for part in ("cmdline", "environ"):
            try:
                data = (entry / part).read_bytes()
            except OSError:
                continue
            if any(needle in item + b"/" for item in data.split(b"\0")):
                found.append(int(entry.name))
                break
    return found


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _start_stuck_crawl(site, out):
    """A crawl in a subprocess, stuck loading song 1002; returns it, its browser processes and folder."""
    site.slow["1002"] = 120
    cmd = [sys.executable, "-m", "training.crawl_melon", "--playlist", f"{site.base}/playlist.html",
           "--output", str(out), "--base-url", site.base, "--delay", "0", "--wait", "60", "--retries", "0",
           "--page-timeout", "90"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and site.hits["1002"] == 0 and proc.poll() is None:
        time.sleep(0.1)
    assert site.hits["1002"] == 1, f"the crawl never reached song 1002: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
    procs = _descendants(proc.pid)
    folders = set()
    for pid, _ in procs:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        folders |= {Path(a.split("=", 1)[1]).parent for a in args if a.startswith("--user-data-dir=")}
    assert len(folders) == 1, folders
    crawl_dir = folders.pop()
    assert crawl_dir.name.startswith(f"gasa-crawl-{proc.pid}-") and crawl_dir.is_dir()
    return proc, procs, crawl_dir


def _kill_leftovers(proc, procs, crawl_dir):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pid in set(_running(procs)) | set(_naming(crawl_dir)):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@needs_proc
def test_sigterm_stops_the_browser_and_keeps_the_songs(site, tmp_path):
    out = tmp_path / "lyrics.jsonl"
    proc, procs, crawl_dir = _start_stuck_crawl(site, out)
    try:
        assert len(_running(procs)) >= 2  # chromedriver, chromium and its helpers
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "interrupted (SIGTERM)" in err and "run the same command to resume" in err
        assert _wait_for(lambda: not _running(procs) and not _naming(crawl_dir), 15), \
            (_running(procs), _naming(crawl_dir))
        assert not crawl_dir.exists()
        assert [r["song_id"] for r in read_lyrics_jsonl(out)] == ["1001"]  # kept: a rerun resumes
    finally:
        _kill_leftovers(proc, procs, crawl_dir)


@needs_proc
def test_the_next_crawl_cleans_up_after_a_sigkilled_one(site, tmp_path):
    out = tmp_path / "lyrics.jsonl"
    proc, procs, crawl_dir = _start_stuck_crawl(site, out)
    live_dir = crawl_melon._new_crawl_dir()  # a live crawl's folder (this process owns it) ...
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],  # ... and a process of it
                            env={**os.environ, crawl_melon.CRAWL_ENV: str(live_dir)})
    try:
        proc.kill()
        proc.wait(timeout=10)
        time.sleep(0.5)
        assert _running(procs), "chromium/chromedriver should outlive a crawl killed with SIGKILL"
        assert crawl_dir.is_dir()
        with crawler(site) as c:  # starting a crawl removes what the dead one left
            assert not _running(procs) and not _naming(crawl_dir), (_running(procs), _naming(crawl_dir))
            assert not crawl_dir.exists()
            assert live_dir.is_dir() and live.poll() is None  # a live crawl's things are left alone
            assert c.fetch_song("1001")["lyrics"] == PAPER_BOATS  # and the new browser works
    finally:
        _kill_leftovers(proc, procs, crawl_dir)
        live.kill()
        live.wait()
        crawl_melon._discard(live_dir)


@needs_proc
def test_clean_stale_crawls_picks_only_dead_owners(tmp_path):
    def folder(name, owner_pid=None, start=None):
        path = tmp_path / name
        (path / "profile").mkdir(parents=True)
        if owner_pid is not None:
            record = {**crawl_melon._owner_record(), "pid": owner_pid, "start": start}
            (path / crawl_melon.OWNER_FILE).write_text(json.dumps(record))
        return path

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = folder(f"gasa-crawl-{gone.pid}-dead", gone.pid, start=1)  # start=1: even a reused pid is not it
    me = crawl_melon._owner_record()
    live = folder(f"gasa-crawl-{os.getpid()}-live", os.getpid(), me["start"])
    other_ns = folder(f"gasa-crawl-{gone.pid}-elsewhere", gone.pid, start=1)
    record = json.loads((other_ns / crawl_melon.OWNER_FILE).read_text())
    (other_ns / crawl_melon.OWNER_FILE).write_text(json.dumps({**record, "pid_ns": "pid:[1]"}))
    legacy = folder("gasa-chromium-old")
    os.utime(legacy, (time.time() - 3600, time.time() - 3600))
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    procs = {
        "dead_env": subprocess.Popen(sleeper, env={**os.environ, crawl_melon.CRAWL_ENV: str(dead)}),
        "dead_arg": subprocess.Popen(sleeper + [f"--user-data-dir={dead}/profile"]),
        "live_env": subprocess.Popen(sleeper, env={**os.environ, crawl_melon.CRAWL_ENV: str(live)}),
        "similar_name": subprocess.Popen(sleeper + [f"--user-data-dir={dead}x/profile"]),
    }
    try:
        time.sleep(0.3)
        removed = crawl_melon.clean_stale_crawls(tmp_path)
        assert sorted(removed) == sorted([str(dead), str(legacy)])
        assert not dead.exists() and not legacy.exists() and live.is_dir() and other_ns.is_dir()
        assert procs["dead_env"].wait(timeout=10) == -signal.SIGTERM
        assert procs["dead_arg"].wait(timeout=10) == -signal.SIGTERM
        assert procs["live_env"].poll() is None and procs["similar_name"].poll() is None
    finally:
        for p in procs.values():
            p.kill()
            p.wait()
