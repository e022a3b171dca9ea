"""Collect song ids from a Melon playlist and title, artist, release year and lyrics from each song page.

    python -m training.crawl_melon --playlist URL [--playlist URL2 ...] [--limit N] --output lyrics.jsonl

Selenium drives headless Chromium through ChromeDriver. Every CSS selector lives in
:class:`Selectors` (override any of them with ``--selectors file.json``) and the site is
``--base-url``, so the same code runs against Melon or against pages served locally.

One JSON object per line in the output, written and flushed as soon as a song is fetched (the
lyrics file, :mod:`hub.lyrics_file`, which also reads it back)::

    {"song_id": "...", "title": "...", "artist": "...", "year": 1994, "release_date": "1994.03.10",
     "lyrics": "...", "status": "ok" | "no_lyrics" | "error", "note": "...", "url": "..."}

The crawl is resumable: songs already in the output with status ``ok`` or ``no_lyrics`` are skipped;
``error`` records (pages that would not load) are dropped and fetched again. Page loads are retried
with exponential backoff, and there is a delay between pages to stay polite.

Lyrics are the text the browser renders (``innerText``): one line per ``<br>``, one blank line
between stanzas (``<br><br>``), whatever newlines the page source has after its tags.

Stopping: Ctrl-C (SIGINT), ``kill`` (SIGTERM) and a closed terminal (SIGHUP) stop Chromium and
ChromeDriver, remove the browser's temporary folder and keep every song fetched so far. Each crawl
keeps its browser files in ``$TMPDIR/gasa-crawl-<pid>-*`` (profile, Chromium's own temporary files,
and an ``owner.json`` naming the crawl's process); a crawl that was killed outright (SIGKILL, out of
memory) cannot clean up, so every crawl starts by stopping the browser processes of crawls whose
owner is dead and removing their folders. Live crawls and other Chromium instances are never touched.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import psutil

# LyricsFileError and read_lyrics_jsonl are imported from here too (the format lived here before hub.lyrics_file)
from hub.lyrics_file import LyricsFileError, append_record, read_lyrics_jsonl  # noqa: F401

DEFAULT_BASE_URL = "https://www.melon.com"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DONE_STATUSES = ("ok", "no_lyrics")
CRAWL_DIR_PREFIX = "gasa-crawl-"    # $TMPDIR/gasa-crawl-<pid>-<random>/{owner.json,profile,tmp}
LEGACY_PROFILE_PREFIX = "gasa-chromium-"  # profiles of earlier versions (no owner record)
OWNER_FILE = "owner.json"
CRAWL_ENV = "GASA_CRAWL_DIR"        # set for ChromeDriver; every Chromium process it starts inherits it
STALE_AGE = 60.0                    # seconds before a folder without a readable owner record may go


@dataclass
class Selectors:
    """Where things are on the pages (Melon's layout; override for another layout)."""

    song_id: str = "input[name='input_check']"      # playlist: one element per song
    song_id_attr: str = "value"                      # attribute holding the id (or a link with it)
    song_id_pattern: str = r"(\d+)"                  # the id inside that attribute
    song_url: str = "/song/detail.htm?songId={song_id}"  # song page, relative to the base URL
    title: str = ".song_name"
    artist: str = ".artist .artist_name"
    release_date: str = ".meta dl.list dd:nth-of-type(2)"
    lyrics: str = ".section_lyric .lyric"           # Melon: div#d_video_summary.lyric

    @classmethod
    def from_file(cls, path) -> "Selectors":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise CrawlError(f"cannot read selectors from {path}: {e}") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CrawlError(f"{path}: unknown selector name(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)


class CrawlError(RuntimeError):
    """A crawl that cannot go on; the message says what to change."""


# --- the output file: resuming where a crawl stopped ------------------------------------------------

def _prepare_output(path: Path) -> set[str]:
    """Ids already fetched; drops a half-written last line and ``error`` records (to refetch them)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        return set()
    raw = path.read_text(encoding="utf-8")
    lines = raw.split("\n")
    if not raw.endswith("\n"):
        lines = lines[:-1]  # an interrupted write: the last line is incomplete
    keep, done, dropped = [], set(), 0
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            dropped += 1
            continue
        if record.get("status") in DONE_STATUSES and str(record.get("song_id")) not in done:
            done.add(str(record["song_id"]))
            keep.append(line)
        else:
            dropped += 1
    if dropped or not raw.endswith("\n") and raw:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text("".join(line + "\n" for line in keep), encoding="utf-8")
        os.replace(tmp, path)  # atomic: an interruption here leaves the old or the new file, both valid
    return done


# --- processes and temporary folders of a crawl -----------------------------------------------------

# A process is the same one only if it started when its record says. The start time is psutil's
# create_time (seconds since the epoch, from the boot time each process reads), so records written
# by another process are compared with a little slack; an integer is the clock ticks that earlier
# versions recorded, which cannot be compared, and then the pid alone decides (a live crawl is
# never taken for a dead one).
START_SLACK = 1.0


def _running(process: psutil.Process, start: float | int | None = None) -> bool:
    """Whether the process runs (not a zombie) and, given ``start``, is still the one that started then."""
    try:
        if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return False
        return start is None or isinstance(start, int) or abs(process.create_time() - start) < START_SLACK
    except psutil.AccessDenied:  # another user's process: it runs
        return True
    except psutil.Error:
        return False


def _alive(pid: int, start: float | int | None = None) -> bool:
    """Whether ``pid`` runs (not a zombie) and, given ``start``, is still the same process."""
    try:
        return _running(psutil.Process(pid), start)
    except psutil.AccessDenied:
        return True
    except psutil.Error:
        return False


def _crawl_processes(crawl_dir) -> list[psutil.Process]:
    """The processes of the crawl whose folder is ``crawl_dir``.

    Those are the processes whose environment holds ``GASA_CRAWL_DIR=<crawl_dir>`` (ChromeDriver and
    everything Chromium starts, crash handlers included) or whose command line names the folder
    (``--user-data-dir``), and their descendants. Never this process."""
    crawl_dir = str(crawl_dir)
    folder = crawl_dir + "/"
    me, found = os.getpid(), {}
    for process in psutil.process_iter(["environ", "cmdline", "status"], ad_value=None):
        if process.pid == me or process.info["status"] in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD, None):
            continue
        environ = process.info["environ"] or {}  # None: another user's process, not ours
        cmdline = process.info["cmdline"] or []
        if environ.get(CRAWL_ENV) == crawl_dir or any(folder in arg + "/" for arg in cmdline):
            found[process.pid] = process
    for process in list(found.values()):
        try:
            children = process.children(recursive=True)
        except psutil.Error:
            continue
        found.update((child.pid, child) for child in children if child.pid != me and _running(child))
    return [found[pid] for pid in sorted(found)]


def _stop_processes(procs, grace: float = 5.0) -> None:
    """SIGTERM (Chromium shuts down cleanly on it), then SIGKILL whatever is left after ``grace`` s."""
    for stop, wait in ((psutil.Process.terminate, grace), (psutil.Process.kill, 2.0)):
        left = [p for p in procs if _running(p)]
        for process in left:
            try:
                stop(process)  # psutil checks first that the pid is still this process
            except psutil.Error:
                pass
        # Polled, not psutil.wait_procs: that reaps this process's own children (ChromeDriver, started
        # by Selenium's Popen), whose exit status then never reaches their Popen; a zombie counts as gone.
        deadline = time.monotonic() + wait
        while left and time.monotonic() < deadline:
            left = [p for p in left if _running(p)]
            if left:
                time.sleep(0.05)
        if not left:
            return


def _owner_record() -> dict:
    """Who owns a crawl folder: this process (pid and start time, to survive pid reuse), on this
    host and in this pid namespace (so that a temp dir shared with a container is never misread)."""
    try:
        pid_ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pid_ns = None
    return {"pid": os.getpid(), "start": psutil.Process().create_time(), "host": socket.gethostname(),
            "pid_ns": pid_ns}


def _new_crawl_dir() -> Path:
    crawl_dir = Path(tempfile.mkdtemp(prefix=f"{CRAWL_DIR_PREFIX}{os.getpid()}-"))
    (crawl_dir / OWNER_FILE).write_text(json.dumps(_owner_record()), encoding="utf-8")
    (crawl_dir / "profile").mkdir()
    (crawl_dir / "tmp").mkdir()
    return crawl_dir


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _owner_dead(crawl_dir: Path, me: dict) -> bool:
    try:
        owner = json.loads((crawl_dir / OWNER_FILE).read_text(encoding="utf-8"))
        pid, start = int(owner["pid"]), owner.get("start")
    except (OSError, ValueError, KeyError, TypeError):
        # no record yet (its crawl is starting, or died while starting): the pid in the name decides
        match = re.match(rf"{re.escape(CRAWL_DIR_PREFIX)}(\d+)-", crawl_dir.name)
        return bool(match) and not _alive(int(match.group(1))) and _age(crawl_dir) > STALE_AGE
    if owner.get("host") != me["host"] or owner.get("pid_ns") != me["pid_ns"]:
        return False  # made on another host or in another pid namespace: its pid means nothing here
    return not _alive(pid, start)


def clean_stale_crawls(tmpdir=None) -> list[str]:
    """Stop the browser processes of crawls that were killed and remove their folders.

    A folder goes when its owner (``owner.json``) no longer runs; folders of live crawls, other
    users' folders and processes without the crawl's marker are left alone. Profiles of earlier
    versions (``gasa-chromium-*``, no owner record) go when no process uses them. Returns the
    removed folders."""
    base = Path(tmpdir or tempfile.gettempdir())
    me, uid, removed = _owner_record(), getattr(os, "getuid", lambda: None)(), []
    for folder in sorted(base.glob(CRAWL_DIR_PREFIX + "*")) + sorted(base.glob(LEGACY_PROFILE_PREFIX + "*")):
        try:
            if folder.is_symlink() or not folder.is_dir() or (uid is not None and folder.stat().st_uid != uid):
                continue
        except OSError:
            continue
        if folder.name.startswith(CRAWL_DIR_PREFIX):
            if not _owner_dead(folder, me):
                continue
            _stop_processes(_crawl_processes(folder))
        elif _age(folder) < STALE_AGE or _crawl_processes(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(str(folder))
    return removed


def _discard(crawl_dir, service=None) -> None:
    """Stop every process of a crawl's browser and remove its folder."""
    _stop_processes(_crawl_processes(crawl_dir))
    if service is not None and getattr(service, "process", None) is not None:
        try:
            service.stop()  # reaps ChromeDriver (already stopped above)
        except Exception:  # noqa: BLE001 - best effort: it is gone either way
            pass
    shutil.rmtree(crawl_dir, ignore_errors=True)


# --- the browser -------------------------------------------------------------------------------

def start_browser(chromium: str | None = None, chromedriver: str | None = None, page_timeout: float = 30):
    """Headless Chromium through ChromeDriver, its files in a fresh crawl folder (removed on close).

    First cleans up after crawls that were killed (:func:`clean_stale_crawls`)."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    chromium = chromium or os.environ.get("GASA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = (chromedriver or os.environ.get("GASA_CHROMEDRIVER") or shutil.which("chromedriver")
                    or "/usr/bin/chromedriver")
    for name, exe in (("Chromium", chromium), ("ChromeDriver", chromedriver)):
        if not Path(exe).exists():
            raise CrawlError(f"{name} not found at {exe}: run scripts/setup.sh (apt-get install chromium chromium-driver)")
    removed = clean_stale_crawls()
    if removed:
        print(f"removed what {len(removed)} killed crawl(s) left behind: {', '.join(removed)}", file=sys.stderr)
    crawl_dir = _new_crawl_dir()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROME_ARGS + [f"--user-data-dir={crawl_dir / 'profile'}"]:
        options.add_argument(arg)
    # TMPDIR keeps Chromium's own temporary files (singleton socket, scoped dirs) in the crawl folder;
    # the marker lets a later crawl find these processes if this one is killed
    env = {**os.environ, "TMPDIR": str(crawl_dir / "tmp"), CRAWL_ENV: str(crawl_dir)}
    service = Service(executable_path=chromedriver, env=env)
    try:
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(page_timeout)
    except BaseException as e:  # a failed start or an interrupt while starting: leave nothing behind
        _discard(crawl_dir, service)
        if isinstance(e, WebDriverException):
            raise CrawlError(f"could not start Chromium ({chromium}) with ChromeDriver ({chromedriver}): {e.msg}") from None
        raise
    driver.gasa_crawl_dir = str(crawl_dir)
    driver.gasa_profile = str(crawl_dir / "profile")
    return driver


def close_browser(driver, interrupted: bool = False) -> None:
    """Quit ChromeDriver and Chromium and remove the crawl folder.

    After an interrupt the processes get SIGTERM straight away (Chromium shuts down cleanly on it)
    instead of ChromeDriver's quit, which would wait for a page load in progress to finish."""
    crawl_dir = getattr(driver, "gasa_crawl_dir", None)
    if interrupted and crawl_dir:
        _discard(crawl_dir, driver.service)
        return
    try:
        driver.quit()
    except Exception:  # noqa: BLE001 - ChromeDriver may be gone already (Ctrl-C reaches the whole process group)
        pass
    if crawl_dir:
        _discard(crawl_dir, driver.service)


# --- text of page elements ---------------------------------------------------------------------

# innerText is the text as the browser lays it out: <br> is a line break, source newlines and runs
# of spaces are not, hidden parts are left out. An element that is not rendered at all
# (display:none) has no layout; its markup is parsed instead (_html_to_text).
_TEXT_JS = "const el = arguments[0]; return [el.getClientRects().length ? el.innerText : null, el.innerHTML];"


def _tidy(text: str) -> str:
    """Each line stripped, at most one blank line in a row, none at the start or end."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


class _TextParser(HTMLParser):
    """Markup to text the way a browser lays out plain text, <br> and block elements."""

    BLOCKS = {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
              "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
              "p", "pre", "section", "table", "tr", "ul"}
    HIDDEN = {"script", "style", "template", "noscript", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)  # entities come out decoded
        self.out: list[str] = []
        self.pending = 0   # line breaks owed by block boundaries (runs of them merge)
        self.hidden = 0

    def _break(self, n: int) -> None:
        self.pending = max(self.pending, n)

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.out.append("\n")
            self.pending = 0
        elif tag in self.BLOCKS:
            self._break(2 if tag == "p" else 1)

    def handle_startendtag(self, tag, attrs):  # <br/>, <br />: one break, not two
        if tag not in self.HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "br":  # browsers read </br> as <br>
            self.handle_starttag(tag, [])
        elif tag in self.BLOCKS:
            self._break(2 if tag == "p" else 1)

    def handle_data(self, data):
        if self.hidden:
            return
        text = re.sub(r"[ \t\n\r\f]+", " ", data)  # source whitespace collapses (CSS white-space: normal)
        if not text.strip(" "):
            if self.out and not self.pending and not self.out[-1].endswith("\n"):
                self.out.append(" ")
            return
        if self.pending and self.out:
            self.out.append("\n" * self.pending)
        self.pending = 0
        self.out.append(text)


def _html_to_text(markup: str) -> str:
    """Text of an element's inner HTML: a line per <br>, a blank line for <br><br>, entities decoded."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return _tidy("".join(parser.out))


class MelonCrawler:
    """Fetches playlists and song pages with one browser; use as a context manager."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, selectors: Selectors | None = None, delay: float = 1.0,
                 retries: int = 3, backoff: float = 2.0, wait: float = 10.0, chromium: str | None = None,
                 chromedriver: str | None = None, page_timeout: float = 30.0):
        self.base_url = base_url.rstrip("/") + "/"
        self.selectors = selectors or Selectors()
        self.delay, self.retries, self.backoff, self.wait = delay, retries, backoff, wait
        self.chromium, self.chromedriver, self.page_timeout = chromium, chromedriver, page_timeout
        self.driver = None
        self._last_load = 0.0

    def __enter__(self):
        self.driver = start_browser(self.chromium, self.chromedriver, self.page_timeout)
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(interrupted=exc_type is not None and issubclass(exc_type, KeyboardInterrupt))

    def close(self, interrupted: bool = False) -> None:
        driver, self.driver = self.driver, None
        if driver is not None:
            close_browser(driver, interrupted=interrupted)

    def _load(self, url: str, ready_css: str) -> bool:
        """Open ``url`` and wait for ``ready_css``; retry with backoff. True if the element showed up."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        for attempt in range(self.retries + 1):
            pause = self.delay - (time.monotonic() - self._last_load)
            if attempt:
                pause = max(pause, self.backoff ** (attempt - 1) * max(self.delay, 0.5))
            if pause > 0:
                time.sleep(pause)  # polite between pages, longer after each failure
            self._last_load = time.monotonic()
            try:
                self.driver.get(url)
                WebDriverWait(self.driver, self.wait).until(
                    EC.presence_of_element_located((By.CSS_SELECTOR, ready_css)))
                return True
            except (TimeoutException, WebDriverException) as e:
                print(f"  attempt {attempt + 1}/{self.retries + 1} for {url}: "
                      f"{type(e).__name__} (waiting for {ready_css!r})", file=sys.stderr)
        return False

    def _texts(self, css: str) -> list[str]:
        from selenium.webdriver.common.by import By

        out = []
        for el in self.driver.find_elements(By.CSS_SELECTOR, css):
            rendered, markup = self.driver.execute_script(_TEXT_JS, el)
            text = _tidy(rendered or "") or _html_to_text(markup or "")
            if text:
                out.append(text)
        return out

    def playlist_song_ids(self, playlist_url: str) -> list[str]:
        """Song ids on a playlist page, in page order, without repeats."""
        from selenium.webdriver.common.by import By

        sel = self.selectors
        url = urljoin(self.base_url, playlist_url)
        if not self._load(url, sel.song_id):
            raise CrawlError(f"{url} does not look like a playlist page: nothing matched the song selector "
                             f"{sel.song_id!r} after {self.retries + 1} tries. Check the URL, or set 'song_id' "
                             "with --selectors if the site's layout changed.")
        ids = []
        for el in self.driver.find_elements(By.CSS_SELECTOR, sel.song_id):
            match = re.search(sel.song_id_pattern, el.get_attribute(sel.song_id_attr) or "")
            if match and match.group(1) not in ids:
                ids.append(match.group(1))
        if not ids:
            raise CrawlError(f"{url}: elements matched {sel.song_id!r} but none had a song id in attribute "
                             f"{sel.song_id_attr!r} (pattern {sel.song_id_pattern!r})")
        return ids

    def song_url(self, song_id: str) -> str:
        return urljoin(self.base_url, self.selectors.song_url.format(song_id=song_id).lstrip("/"))

    def fetch_song(self, song_id: str) -> dict:
        """One record for ``song_id``; status ``ok``, ``no_lyrics`` or ``error`` (never raises for one song)."""
        sel, url = self.selectors, self.song_url(song_id)
        record = {"song_id": song_id, "title": None, "artist": None, "year": None, "release_date": None,
                  "lyrics": None, "status": "error", "note": "", "url": url}
        if not self._load(url, sel.title):
            record["note"] = (f"page did not load or has no title element {sel.title!r} "
                              f"after {self.retries + 1} tries")
            return record
        title = self._texts(sel.title)
        record["title"] = re.sub(r"^곡명\s*", "", title[0]).strip() if title else ""
        record["artist"] = ", ".join(dict.fromkeys(self._texts(sel.artist)))
        date = self._texts(sel.release_date)
        record["release_date"] = date[0] if date else None
        year = re.search(r"(19|20)\d{2}", date[0]) if date else None
        record["year"] = int(year.group()) if year else None
        lyrics = self._texts(sel.lyrics)
        if lyrics:
            record.update(lyrics="\n".join(lyrics), status="ok")
        else:
            record.update(status="no_lyrics", note=f"no lyrics on the page (nothing matched {sel.lyrics!r}: "
                                                   "lyrics not provided, or the page layout changed)")
        return record

    def crawl(self, playlist_urls, output, limit: int | None = None, progress: bool = True) -> dict:
        """Fetch every song of the playlists not yet in ``output``; returns counts by status."""
        from tqdm.auto import tqdm

        output = Path(output)
        done = _prepare_output(output)
        ids = []
        for url in [playlist_urls] if isinstance(playlist_urls, str) else playlist_urls:
            ids += [i for i in self.playlist_song_ids(url) if i not in ids]
        if limit is not None:
            ids = ids[:limit]
        todo = [i for i in ids if i not in done]
        counts = {"playlist": len(ids), "skipped": len(ids) - len(todo), "ok": 0, "no_lyrics": 0, "error": 0}
        for song_id in tqdm(todo, desc="songs", unit="song", disable=not progress):
            record = self.fetch_song(song_id)
            append_record(output, record)
            counts[record["status"]] += 1
            if record["status"] != "ok":
                print(f"  song {song_id}: {record['status']}: {record['note']}", file=sys.stderr)
        return counts


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: the crawl stops cleanly and keeps what it has."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


@contextmanager
def stop_signals_interrupt():
    """While inside, SIGTERM and SIGHUP raise :class:`Interrupted` (as SIGINT raises KeyboardInterrupt).

    Signals that are ignored (``nohup``) or already handled are left as they are; the previous
    handlers come back on the way out."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Crawl song lyrics from Melon playlists (headless Chromium).")
    parser.add_argument("--playlist", action="append", required=True,
                        help="playlist page URL (repeat for several pages or playlists)")
    parser.add_argument("--output", required=True, help="JSONL file; existing songs in it are skipped")
    parser.add_argument("--limit", type=int, default=None, help="only the first N songs of the playlist(s)")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="site root for song pages")
    parser.add_argument("--selectors", default=None, help="JSON file overriding selectors: "
                        + ", ".join(f"{k}={v!r}" for k, v in asdict(Selectors()).items()))
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between page loads")
    parser.add_argument("--retries", type=int, default=3, help="retries per page, with exponential backoff")
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a page's content")
    parser.add_argument("--page-timeout", type=float, default=30.0,
                        help="seconds before a page load is abandoned")
    parser.add_argument("--chromium", default=None, help="Chromium binary (default: chromium on PATH)")
    parser.add_argument("--chromedriver", default=None, help="ChromeDriver binary (default: chromedriver on PATH)")
    args = parser.parse_args(argv)

    try:
        selectors = Selectors.from_file(args.selectors) if args.selectors else Selectors()
        with stop_signals_interrupt(), MelonCrawler(args.base_url, selectors, delay=args.delay, retries=args.retries, wait=args.wait,
                          page_timeout=args.page_timeout, chromium=args.chromium, chromedriver=args.chromedriver) as crawler:
            counts = crawler.crawl(args.playlist, args.output, limit=args.limit)
    except CrawlError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        print(f"interrupted ({signal.Signals(signum).name}): every song fetched so far is in {args.output}; "
              "run the same command to resume.", file=sys.stderr)
        return 128 + signum
    print(f"{counts['playlist']} songs in playlist(s): {counts['skipped']} already fetched, {counts['ok']} with lyrics, "
          f"{counts['no_lyrics']} without lyrics, {counts['error']} failed -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
