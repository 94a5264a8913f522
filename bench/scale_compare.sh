#!/bin/sh
# Issue #12's figures for two wharf binaries side by side: each mode of scale_bench.py runs with
# the first binary, then with the second, so that both see the machine in the same state.
#   bench/scale_compare.sh OLD_BINARY NEW_BINARY OUT_DIR
# Writes OUT_DIR/<mode>-old.{txt,json} and OUT_DIR/<mode>-new.{txt,json}; about 10 minutes.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY OUT_DIR" >&2; exit 2; }
old=$1 new=$2 out=$3
here=$(dirname "$0")
mkdir -p "$out"
for mode in burst create list rolling; do
    case $mode in
        burst) args="burst --background 90000 --instances 10000 --rounds 3" ;;
        create) args="create --apps 1000 --instances 100 --clients 8" ;;
        list) args="list --apps 10000 --instances 10 --requests 300" ;;
        rolling) args="rolling --background 90000 --instances 10000 --seconds 30 --probes 80" ;;
    esac
    for which in old new; do
        if [ "$which" = old ]; then binary=$old; else binary=$new; fi
        # shellcheck disable=SC2086
        python3 "$here/scale_bench.py" --wharf "$binary" --out "$out/$mode-$which.json" $args \
            > "$out/$mode-$which.txt" 2>&1
        echo "$mode $which done"
    done
done
