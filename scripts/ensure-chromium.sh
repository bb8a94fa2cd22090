#!/bin/sh
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (tests/report/).
#
# Idempotent: does nothing when Chromium is already there. Installs Debian's `chromium` package
# when run as root on a Debian-like system; never downloads a browser from anywhere else.
# Always exits 0: when Chromium cannot be installed it says so loudly, and the browser tests
# skip with their own loud reason.
set -u

CHROMIUM="${CROWDAUDIT_CHROMIUM:-/usr/bin/chromium}"

loud() {
    echo "" >&2
    echo "############################################################################" >&2
    echo "# ensure-chromium: $*" >&2
    echo "# The browser tests (pytest -m browser) will be SKIPPED on this machine." >&2
    echo "############################################################################" >&2
    echo "" >&2
}

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: found $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    loud "$CHROMIUM is missing and we are not root (run: sudo apt-get install -y chromium)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    loud "$CHROMIUM is missing and apt-get is not available (install Chromium by hand)"
    exit 0
fi

echo "ensure-chromium: installing Debian's chromium package"
if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
    loud "apt-get update failed"
    exit 0
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; then
    loud "apt-get install chromium failed"
    exit 0
fi

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    loud "chromium was installed but $CHROMIUM is still missing"
fi
exit 0
