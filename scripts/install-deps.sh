#!/usr/bin/env bash
# install-deps.sh — install the Debian packages akte needs to build, run and
# test, skipping those already installed. Idempotent; runs `apt-get update`
# only when something is missing. Called by `make run`, `make test` and
# `make bench` (which adds the benchmark tools with --bench).
set -euo pipefail

packages=(
  # build
  gcc libc6-dev make meson ninja-build pkg-config
  # libraries
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libssl-dev
  libcurl4-openssl-dev libqrencode-dev libspng-dev
  # tests
  libcmocka-dev python3 python3-pytest python3-aiosmtpd zbar-tools oathtool
  sqlite3 curl clang
  # libFuzzer's runtime: only a Recommends of clang, which
  # --no-install-recommends would leave out
  libclang-rt-14-dev
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk nginx-light)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
