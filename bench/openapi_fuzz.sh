#!/usr/bin/env bash
# Fuzzes the API against its own /openapi.json with schemathesis (https://schemathesis.io) and prints,
# per operation, how the generated requests were answered: 2xx, 404/409 (well formed, resource
# missing or busy), 400/422 (refused as invalid: the document promised more than the API takes),
# other 4xx and 5xx. Not part of the test suite: it needs schemathesis from PyPI and runs for minutes.
#
#   bench/openapi_fuzz.sh [schemathesis run options...]     e.g. -n 50 --seed 1 --mode positive
#
#   WHARF_BIN   the wharf binary (default: swift build --show-bin-path)/wharf
#   ST          the schemathesis command (default: schemathesis on PATH; else a venv in /tmp is made)
#   OUT         where reports go (default: a temporary directory)
#
# wharf runs with simulated agents (tasks run nothing: generated commands are never executed), no
# router, DNS or TCP routes, on a free port and a temporary data dir; it is stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WHARF_BIN:-$(cd "$root" && swift build --show-bin-path)/wharf}"
out="${OUT:-$(mktemp -d -t wharf-fuzz.XXXXXX)}"
mkdir -p "$out"

st="${ST:-}"
if [[ -z $st ]]; then
    if command -v schemathesis >/dev/null 2>&1; then
        st=schemathesis
    else
        venv=/tmp/wharf-schemathesis-venv
        [[ -x $venv/bin/schemathesis ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q schemathesis; }
        st="$venv/bin/schemathesis"
    fi
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$(mktemp -d -t wharf-fuzz-data.XXXXXX)"
"$bin" dev --data-dir "$data" --api-port "$port" --bind 127.0.0.1 --task-ports 40000-40999 \
    --router-port off --dns-port off --tcp-routes false --docker-socket none --simulated-agents 3 \
    >"$out/wharf.log" 2>&1 &
wharf_pid=$!
trap 'kill "$wharf_pid" 2>/dev/null; wait "$wharf_pid" 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/ping" >/dev/null && break
    kill -0 "$wharf_pid" 2>/dev/null || { cat "$out/wharf.log"; exit 1; }
    sleep 0.2
done

# /v2/events is a stream that never ends: excluded. schemathesis keeps its cache in the working directory.
cd "$out"
set +e
"$st" run "http://127.0.0.1:$port/openapi.json" --checks all --continue-on-failure --request-timeout 5 \
    --exclude-path /v2/events --workers 1 --no-color --report ndjson --report-dir "$out" "$@" >"$out/schemathesis.txt" 2>&1
status=$?
set -e
tail -n 30 "$out/schemathesis.txt"
echo
python3 "$root/bench/openapi_fuzz_summary.py" "$out"/ndjson-*.ndjson --mode positive --reasons 3
echo "reports: $out (schemathesis exit status $status)"
