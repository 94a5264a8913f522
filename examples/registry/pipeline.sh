#!/usr/bin/env bash
# Seed 001's pipeline on one machine: build an image, push it to a private registry, deploy it from
# there with Marathon's API.
#   1. installs Debian's docker-registry if missing and runs it on 127.0.0.1:5000 (loopback only;
#      Docker trusts a plain-HTTP registry on 127.0.0.0/8 without configuration), unless one answers;
#   2. builds the myapp image (examples/myapp-docker/build.sh), tags it 127.0.0.1:5000/myapp:1, pushes it,
#      and removes the local copies, so that the agent has to pull it from the registry;
#   3. PUTs examples/registry/myapp.json to a running `wharf dev` (creates or updates /myapp-registry) and
#      waits until every instance runs and the deployment is over; prints each task's address.
# Usage: pipeline.sh [API_URL]      (default http://127.0.0.1:8080)
#        pipeline.sh --stop         stop the registry this script started
# Idempotent: a registry already answering is reused, the push and the PUT are repeatable.
#   WHARF_REGISTRY_DATA  registry storage (default /tmp/wharf-example-registry)
#   WHARF_DEPLOY_TIMEOUT seconds to wait for the deployment (default 180)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib/rootfs.sh"

registry=127.0.0.1:5000
image=$registry/myapp:1
build_image=wharf-examples/myapp-pipeline:1
data=${WHARF_REGISTRY_DATA:-/tmp/wharf-example-registry}
pidfile=/tmp/wharf-example-registry.pid
logfile=/tmp/wharf-example-registry.log

registry_answers() { curl -sf --max-time 2 "http://$registry/v2/" >/dev/null 2>&1; }

if [[ ${1:-} == --stop ]]; then
    if [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null; then
        wharf_log "stopped the registry (pid $(cat "$pidfile"))"
    else
        wharf_log "no registry started by this script is running"
    fi
    rm -f "$pidfile"
    exit 0
fi
api=${1:-http://127.0.0.1:8080}
api=${api%/}

work=$(mktemp -d /tmp/wharf-pipeline.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. The registry.
if registry_answers; then
    wharf_log "a registry answers on $registry; using it"
else
    command -v docker-registry >/dev/null 2>&1 || wharf_apt_install docker-registry
    mkdir -p "$data"
    cat > "$work/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $data
  delete:
    enabled: true
http:
  addr: $registry
YAML
    setsid nohup docker-registry serve "$work/registry.yml" >"$logfile" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    deadline=$((SECONDS + 30))
    until registry_answers; do
        if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            wharf_log "the registry did not start; its log ($logfile):"
            tail -n 20 "$logfile" >&2 || true
            exit 1
        fi
        sleep 0.2
    done
    wharf_log "registry running on $registry (pid $(cat "$pidfile"), data $data, log $logfile)"
fi

# 2. Build, push, forget the local copy.
WHARF_MYAPP_IMAGE=$build_image "$root/examples/myapp-docker/build.sh" --force
docker tag "$build_image" "$image"
docker push "$image" >/dev/null
wharf_log "pushed $image: $(curl -sf "http://$registry/v2/myapp/tags/list")"
docker image rm "$image" "$build_image" >/dev/null
wharf_log "removed the local copies; the agent pulls $image from the registry"

# 3. Deploy and wait.
if ! curl -sf --max-time 5 "$api/ping" >/dev/null; then
    wharf_log "no wharf answers at $api (start it with ./scripts/dev); the image is in the registry, deploy later with:"
    wharf_log "  curl -X PUT $api/v2/apps/myapp-registry -H 'Content-Type: application/json' -d @examples/registry/myapp.json"
    exit 1
fi
status=$(curl -s -o "$work/answer" -w '%{http_code}' -X PUT "$api/v2/apps/myapp-registry?force=true" \
    -H 'Content-Type: application/json' --data-binary "@$here/myapp.json")
if [[ $status != 200 && $status != 201 ]]; then
    wharf_log "PUT /v2/apps/myapp-registry answered $status: $(cat "$work/answer")"
    exit 1
fi
wharf_log "deploying /myapp-registry (HTTP $status); waiting for it to run..."
deadline=$((SECONDS + ${WHARF_DEPLOY_TIMEOUT:-180}))
while :; do
    state=$(curl -sf "$api/v2/apps/myapp-registry" | python3 -c '
import json, sys
app = json.load(sys.stdin)["app"]
done = not app["deployments"] and app["tasksRunning"] == app["instances"] and app["tasksHealthy"] == app["instances"]
print("done" if done else "%d/%d running, %d healthy" % (app["tasksRunning"], app["instances"], app["tasksHealthy"]))' || echo "unknown")
    [[ $state == done ]] && break
    if ((SECONDS >= deadline)); then
        wharf_log "not running after ${WHARF_DEPLOY_TIMEOUT:-180} s ($state); see $api/v2/apps/myapp-registry and $api/v2/queue"
        exit 1
    fi
    sleep 1
done
curl -sf "$api/v2/apps/myapp-registry/tasks" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tasks"]:
    print("%s  http://%s:%d/" % (t["id"], t["host"], t["ports"][0]))'
