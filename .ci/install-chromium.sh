#!/usr/bin/env bash
# CI: install headless Chromium (Debian package `chromium`) for tests/test_explorer_browser.py.
# Idempotent and quiet; exits 0 with a message when it cannot install (the browser test
# then skips).
set -u
for b in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$b" >/dev/null 2>&1; then
    echo "install-chromium: $b already installed"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not available; the browser test will skip"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-chromium: not root and no sudo; the browser test will skip"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq >/dev/null 2>&1 \
   && $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  echo "install-chromium: installed $(chromium --version 2>/dev/null)"
else
  echo "install-chromium: apt-get install chromium failed; the browser test will skip"
fi
exit 0
