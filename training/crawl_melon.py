"""Collect song ids from a Melon playlist and title, artist, release year and lyrics from each song page.

    python -m training.crawl_melon --playlist URL [--playlist URL2 ...] [--limit N] --output lyrics.jsonl

Selenium drives headless Chromium through ChromeDriver. Every CSS selector lives in
:class:`Selectors` (override any of them with ``--selectors file.json``) and the site is
``--base-url``, so the same code runs against Melon or against pages served locally.

One JSON object per line in the output, written and flushed as soon as a song is fetched::

    {"song_id": "...", "title": "...", "artist": "...", "year": 1994, "release_date": "1994.03.10",
     "lyrics": "...", "status": "ok" | "no_lyrics" | "error", "note": "...", "url": "..."}

The crawl is resumable: songs already in the output with status ``ok`` or ``no_lyrics`` are skipped;
``error`` records (pages that would not load) are dropped and fetched again. Page loads are retried
with exponential backoff, and there is a delay between pages to stay polite.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import urljoin

DEFAULT_BASE_URL = "https://www.melon.com"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DONE_STATUSES = ("ok", "no_lyrics")


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


class LyricsFileError(ValueError):
    """A lyrics JSONL file with a broken line or duplicate ids; the message names file and line."""


# --- the lyrics file (one place for its format) ------------------------------------------------

def read_lyrics_jsonl(path) -> list[dict]:
    """All records of a lyrics file, checked: valid JSON objects, a ``song_id`` each, no duplicates."""
    path = Path(path)
    if not path.is_file():
        raise LyricsFileError(f"{path}: no such lyrics file (make one with python -m training.crawl_melon)")
    records, seen = [], {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LyricsFileError(f"{path}:{lineno}: not valid JSON ({e.msg} at column {e.colno}); "
                                      "fix or delete the line") from None
            if not isinstance(record, dict) or not str(record.get("song_id", "")).strip():
                raise LyricsFileError(f"{path}:{lineno}: each line must be a JSON object with a 'song_id'")
            sid = str(record["song_id"]).strip()
            if sid in seen:
                raise LyricsFileError(f"{path}:{lineno}: song_id {sid!r} already appears on line {seen[sid]}; "
                                      "keep one record per song")
            seen[sid] = lineno
            record["song_id"] = sid
            records.append(record)
    return records


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


def _append(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


# --- the browser -------------------------------------------------------------------------------

def start_browser(chromium: str | None = None, chromedriver: str | None = None, page_timeout: float = 30):
    """Headless Chromium through ChromeDriver, with a fresh user-data dir (removed on quit)."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    chromium = chromium or os.environ.get("GASA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = (chromedriver or os.environ.get("GASA_CHROMEDRIVER") or shutil.which("chromedriver")
                    or "/usr/bin/chromedriver")
    for name, exe in (("Chromium", chromium), ("ChromeDriver", chromedriver)):
        if not Path(exe).exists():
            raise CrawlError(f"{name} not found at {exe}: run scripts/setup.sh (apt-get install chromium chromium-driver)")
    profile = tempfile.mkdtemp(prefix="gasa-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROME_ARGS + [f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    except WebDriverException as e:
        shutil.rmtree(profile, ignore_errors=True)
        raise CrawlError(f"could not start Chromium ({chromium}) with ChromeDriver ({chromedriver}): {e.msg}") from None
    driver.set_page_load_timeout(page_timeout)
    driver.gasa_profile = profile
    return driver


def _html_to_text(markup: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", markup, flags=re.IGNORECASE)
    text = re.sub(r"<!--.*?-->|<[^>]+>", "", text, flags=re.DOTALL)
    lines = [line.strip() for line in html.unescape(text).replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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

    def __exit__(self, *exc):
        if self.driver is not None:
            profile = getattr(self.driver, "gasa_profile", None)
            self.driver.quit()
            self.driver = None
            if profile:
                shutil.rmtree(profile, ignore_errors=True)

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
            text = _html_to_text(el.get_attribute("innerHTML") or "")
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
            _append(output, record)
            counts[record["status"]] += 1
            if record["status"] != "ok":
                print(f"  song {song_id}: {record['status']}: {record['note']}", file=sys.stderr)
        return counts


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
                        help="seconds before a page load is abandoned (an interrupted crawl waits up to this long to close)")
    parser.add_argument("--chromium", default=None, help="Chromium binary (default: chromium on PATH)")
    parser.add_argument("--chromedriver", default=None, help="ChromeDriver binary (default: chromedriver on PATH)")
    args = parser.parse_args(argv)

    try:
        selectors = Selectors.from_file(args.selectors) if args.selectors else Selectors()
        with MelonCrawler(args.base_url, selectors, delay=args.delay, retries=args.retries, wait=args.wait,
                          page_timeout=args.page_timeout, chromium=args.chromium, chromedriver=args.chromedriver) as crawler:
            counts = crawler.crawl(args.playlist, args.output, limit=args.limit)
    except CrawlError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: every song fetched so far is in {args.output}; run the same command to resume.",
              file=sys.stderr)
        return 130
    print(f"{counts['playlist']} songs in playlist(s): {counts['skipped']} already fetched, {counts['ok']} with lyrics, "
          f"{counts['no_lyrics']} without lyrics, {counts['error']} failed -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
