export const USAGE = `usage:
  atoll optimize IN -o OUT [--proof FILE] [options] [--json] [--quiet]
      --islands N  --generations N  --seed N
      --objective size|instructions|cycles
      --topology ring|unconnected|fully-connected  --strategy refine|pipeline|mixed  --multi-start
      --verify strict|report|off  --time-budget MS  --features a,b  --keep-names
      --proof FILE writes the output's certificate (strict mode): its chain of proved steps
  atoll watch PATH... [--out-dir DIR] [--suffix .opt.wasm] [--poll] [--ignore a,b] [--debounce MS]
      [--keep-alive] [optimize options] [--json] [--quiet]
      re-optimizes each .wasm under PATH when it changes (outputs beside it as name.opt.wasm, or in
      DIR); one line per rebuild; stops on Ctrl-C or when stdin closes (not with --keep-alive)
  atoll verify BASE CANDIDATE [--proof FILE] [--timeout MS] [--features a,b] [--json] [--quiet]
      --proof FILE re-checks that certificate (replays and proves every step; trusts nothing in it)
  atoll daemon [--stdio] [--socket PATH]       run a daemon in the foreground
  atoll daemon start|stop|status [--socket PATH] [--json]
  atoll cache stats|clear [--json]

common options:
  --socket PATH      the daemon's socket (default: $XDG_RUNTIME_DIR/atoll/daemon.sock,
                     else <cache dir>/run/daemon.sock)
  --cache-dir DIR    cache directory (default: $ATOLL_CACHE_DIR, $XDG_CACHE_HOME/atoll, ~/.cache/atoll)
  --no-daemon        run a private daemon for this command only (over stdio, stopped afterwards)

The CLI talks to the daemon on its socket and starts one in the background when none answers.

exit codes:
  0 ok   1 error   2 bad usage   3 verify: a change was refuted
  4 verify: incomplete (some function unknown, or a certificate rejected)   130 cancelled (Ctrl-C)
`;
