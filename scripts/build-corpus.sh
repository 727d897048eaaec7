#!/bin/sh
# Builds the unoptimized corpus: real C (the SQLite amalgamation that better-sqlite3 ships) with Debian's
# clang for wasm32-wasi at -O0 and -O2, and a small AssemblyScript program at --optimizeLevel 0.
# Outputs go to test/fixtures/generated/ (git-ignored); up-to-date outputs are skipped.
# Usage: scripts/build-corpus.sh [as-kit] [sqlite-O0] [sqlite-O2]   (no arguments: all of them)
# Needs the system packages of scripts/ensure-system-deps.sh and `npm ci`.
#
# Two traps of Debian's clang 14 (see /work/shared/reference/corpus.md): with an -O flag on the LINK line it
# runs /usr/bin/wasm-opt by itself (and drops the name section), so each file is compiled with -c -O<n> and
# linked without -O; and Debian's wasi-libc carries DWARF, so the link strips debug info.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/test/fixtures/generated"
WORK="$OUT/obj"
SQLITE_DIR="$ROOT/node_modules/better-sqlite3/deps/sqlite3"
DRIVER="$ROOT/test/fixtures/c/sqlite-driver.c"
AS_SOURCE="$ROOT/test/fixtures/as/kit.ts"
mkdir -p "$OUT" "$WORK"

require_c_toolchain() {
  for tool in clang wasm-ld; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "build-corpus: $tool is missing; run scripts/ensure-system-deps.sh" >&2
      exit 1
    fi
  done
  if [ ! -f "$SQLITE_DIR/sqlite3.c" ]; then
    echo "build-corpus: $SQLITE_DIR/sqlite3.c is missing; run npm ci" >&2
    exit 1
  fi
}

# True when $1 exists and is newer than every later argument.
up_to_date() {
  target=$1
  shift
  [ -f "$target" ] || return 1
  for source in "$@"; do
    [ "$target" -nt "$source" ] || return 1
  done
}

SQLITE_DEFINES="-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS"

build_sqlite() {
  level=$1
  output="$OUT/sqlite-$level.wasm"
  if up_to_date "$output" "$SQLITE_DIR/sqlite3.c" "$DRIVER" "$0"; then
    echo "build-corpus: $output is up to date"
    return
  fi
  require_c_toolchain
  echo "build-corpus: building $output"
  # shellcheck disable=SC2086 # the defines are separate words
  clang --target=wasm32-wasi -c "-$level" $SQLITE_DEFINES -o "$WORK/sqlite3-$level.o" "$SQLITE_DIR/sqlite3.c"
  clang --target=wasm32-wasi -c "-$level" -I"$SQLITE_DIR" -o "$WORK/driver-$level.o" "$DRIVER"
  clang --target=wasm32-wasi -Wl,--strip-debug -o "$output" "$WORK/sqlite3-$level.o" "$WORK/driver-$level.o"
}

build_assemblyscript() {
  output="$OUT/as-kit-O0.wasm"
  if up_to_date "$output" "$AS_SOURCE" "$0"; then
    echo "build-corpus: $output is up to date"
    return
  fi
  echo "build-corpus: building $output"
  "$ROOT/node_modules/.bin/asc" "$AS_SOURCE" --optimizeLevel 0 --shrinkLevel 0 --runtime stub -o "$output"
}

targets=${*:-as-kit sqlite-O0 sqlite-O2}
for target in $targets; do
  case $target in
    as-kit) build_assemblyscript ;;
    sqlite-O0) build_sqlite O0 ;;
    sqlite-O2) build_sqlite O2 ;;
    *)
      echo "build-corpus: unknown target $target (known: as-kit sqlite-O0 sqlite-O2)" >&2
      exit 2
      ;;
  esac
done
