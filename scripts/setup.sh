#!/usr/bin/env bash
# Installs everything gasa needs on a fresh Debian machine (idempotent; run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium + ChromeDriver for the crawler and the browser tests, a Korean font for the plots, and a
# C++ compiler, with which TorchInductor builds hub.int8's fused kernels (Debian packages).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
   || [ ! -d /usr/share/fonts/truetype/nanum ] || ! command -v g++ >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-nanum g++ >/dev/null
fi

# torch first and pinned: the CPU wheel; an unpinned torch pulls several GB of CUDA packages.
python -m pip install -q --disable-pip-version-check torch==2.13.0
python -m pip install -q --disable-pip-version-check -r requirements.txt
# Ray for build_song_vectors --engine ray (an optional extra of the training tools; the Space and
# every other tool run without it).
python -m pip install -q --disable-pip-version-check -r requirements-ray.txt
