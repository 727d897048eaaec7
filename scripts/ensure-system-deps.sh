#!/bin/sh
# Installs the Debian packages the project needs beyond node. Idempotent: skips what is installed, runs
# `apt-get update` at most once, needs no TTY. Run as root (or with sudo available).
# Several engineers add to this list: one package per line, with the reason next to it.
set -eu

PACKAGES="
binaryen                    # native wasm-opt: the bench's -Oz column
clang                       # scripts/build-corpus.sh: C sources to wasm32-wasi
lld                         # wasm-ld for clang's wasm32 target
wasi-libc                   # libc for wasm32-wasi
libclang-rt-14-dev-wasm32   # compiler-rt builtins for wasm32
neovim                      # clients/nvim: the Neovim client's headless e2e test (test/e2e/nvim-client.test.ts)
tmux                        # test/e2e/cli-progress.test.ts: the progress bar read from a real terminal
"

missing=""
for pkg in $(printf '%s\n' "$PACKAGES" | sed 's/#.*//'); do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $pkg"
  fi
done

if [ -z "$missing" ]; then
  echo "ensure-system-deps: all system packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
echo "ensure-system-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
