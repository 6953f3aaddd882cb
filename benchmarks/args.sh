# The arguments every benchmark script takes, `[--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]`, read once:
#   source "$(dirname "$0")/args.sh" "$@"
# leaves the shell in the project root ($root) with smoke (0 or 1), corpus and models (as given) set.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
corpus=$1; shift
models=("$@")
