"""The lyrics crawler drives real headless Chromium (ChromeDriver) against pages served on 127.0.0.1."""
import json
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

from training.crawl_melon import (CrawlError, LyricsFileError, MelonCrawler, Selectors, main, read_lyrics_jsonl)

FIXTURES = Path(__file__).parent / "fixtures" / "melon"
ROOT = Path(__file__).resolve().parent.parent


class FakeMelon(ThreadingHTTPServer):
    """Serves the fixture pages like Melon's URLs; counts hits, can fail or slow chosen songs."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits = Counter()
        self.fail_first = {}   # song id -> number of 503 answers before a good one
        self.slow = {}         # song id -> seconds to stall before answering
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
            time.sleep(server.slow.get(song_id, 0))
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
    server.shutdown()
    server.server_close()


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
    assert boats["lyrics"].split("\n")[:2] == ["I folded your letters into paper boats", "and watched them sink below the pier"]
    assert "\n\n" in boats["lyrics"]  # the stanza break (<br><br>) survives
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
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
