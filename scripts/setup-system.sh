#!/usr/bin/env bash
# Debian packages sharpeyes' tests use: PostgreSQL + PostGIS, MariaDB (a wvp platform's database), GStreamer RTSP server, Chromium, ffmpeg, CJK fonts.
set -euo pipefail
PKGS=(postgresql postgresql-15-postgis-3 mariadb-server
      python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      gstreamer1.0-plugins-ugly gstreamer1.0-tools
      chromium chromium-driver ffmpeg fonts-noto-cjk)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
