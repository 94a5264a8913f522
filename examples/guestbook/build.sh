#!/usr/bin/env bash
# Builds the guestbook's three local images (seed 000: nginx → web app → redis) from the host's own
# Debian binaries, without a registry or a base image:
#   wharf-examples/redis:7          redis-server (package redis-server) with its libraries; data in /data
#   wharf-examples/guestbook-web:1  busybox httpd + a CGI guestbook that keeps its entries in redis
#                                   ($REDIS_HOST:$REDIS_PORT)
#   wharf-examples/nginx:1          nginx (package nginx-light) proxying / to $WEB_ADDRESS (host:port)
# Installs redis-server, nginx-light and busybox-static with apt-get when missing (their services are
# not started: only the binaries are used). Skips images built from this recipe (label io.wharf.recipe: a
# hash of this script, scripts/lib/rootfs.sh and the binaries copied in); --force rebuilds them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/lib/rootfs.sh"

force=0
if [[ ${1:-} == --force ]]; then force=1; fi

work=$(mktemp -d /tmp/wharf-guestbook.XXXXXX)
trap 'rm -rf "$work"' EXIT

packages=()
[[ -x /usr/bin/redis-server ]] || packages+=(redis-server)
[[ -x /usr/sbin/nginx ]] || packages+=(nginx-light)
if ((${#packages[@]} > 0)); then
    # policy-rc.d-less machines would start the packages' services: ask invoke-rc.d not to.
    RUNLEVEL=1 wharf_apt_install "${packages[@]}"
fi

recipe=$(wharf_recipe_hash "${BASH_SOURCE[0]}" "$root/scripts/lib/rootfs.sh" "$(wharf_static_busybox)" \
    /usr/bin/redis-server /usr/sbin/nginx)
needed() { [[ $force -eq 1 ]] || ! wharf_image_current "$1" "$recipe"; }

# redis
if needed wharf-examples/redis:7; then
    dir=$work/redis
    mkdir -p "$dir/data" "$dir/tmp" "$dir/etc"
    wharf_copy_with_libs "$dir" /usr/bin/redis-server
    printf 'root:x:0:0:root:/:/bin/false\n' > "$dir/etc/passwd"
    wharf_import_image "$dir" wharf-examples/redis:7 "$recipe" 'EXPOSE 6379' 'VOLUME /data' \
        'CMD ["/usr/bin/redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes"]'
fi

# web: GET / lists the entries, POST / (form field "message") adds one.
if needed wharf-examples/guestbook-web:1; then
    dir=$work/web
    wharf_busybox_rootfs "$dir"
    mkdir -p "$dir/www/cgi-bin"
    cat > "$dir/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
# Talks RESP to redis through nc; QUIT makes redis close the connection so nc returns at once.
redis() {
    { printf '*%d\r\n' $#; for a in "$@"; do printf '$%d\r\n%s\r\n' ${#a} "$a"; done; printf '*1\r\n$4\r\nQUIT\r\n'; } \
        | nc -w 3 "${REDIS_HOST:-redis}" "${REDIS_PORT:-6379}"
}
html() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
note=""
if [ "$REQUEST_METHOD" = POST ]; then
    body=$(head -c "${CONTENT_LENGTH:-0}")
    message=$(printf '%s' "$body" | tr '&' '\n' | sed -n 's/^message=//p' | head -n 1 | tr '+' ' ' \
        | sed 's/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g' | xargs -0 printf '%b' 2>/dev/null | tr -d '\r\n' | head -c 200)
    if [ -n "$message" ]; then
        redis RPUSH guestbook "$message" | grep -q '^:' && note="saved" || note="redis did not answer"
    fi
fi
entries=$(redis LRANGE guestbook 0 -1) || entries=""
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
echo "<!doctype html><title>Guestbook</title><h1>Guestbook</h1>"
echo "<form method=post><input name=message maxlength=200 autofocus> <button>Sign</button></form>"
[ -n "$note" ] && echo "<p><em>$note</em></p>"
if [ -z "$entries" ]; then
    echo "<p>redis at ${REDIS_HOST:-redis}:${REDIS_PORT:-6379} did not answer</p>"
else
    echo "<ul>"
    printf '%s\n' "$entries" | awk '{ sub(/\r$/, "") } expect { print; expect = 0; next } /^\$[0-9]/ { expect = 1 }' \
        | html | sed 's|.*|<li>&</li>|'
    echo "</ul>"
fi
echo "<p><small>served by $(hostname) (${MESOS_TASK_ID:-no task id})</small></p>"
CGI
    chmod 755 "$dir/www/cgi-bin/index.cgi"
    wharf_import_image "$dir" wharf-examples/guestbook-web:1 "$recipe" 'EXPOSE 80' 'CMD ["/bin/httpd", "-f", "-p", "80", "-h", "/www"]'
fi

# nginx: the upstream comes from $WEB_ADDRESS when the container starts.
if needed wharf-examples/nginx:1; then
    dir=$work/nginx
    wharf_busybox_rootfs "$dir"
    wharf_copy_with_libs "$dir" /usr/sbin/nginx
    mkdir -p "$dir/etc/nginx" "$dir/var/log/nginx" "$dir/var/lib/nginx" "$dir/run" "$dir/var/lock"
    cp /etc/nginx/mime.types "$dir/etc/nginx/mime.types"
    cat > "$dir/etc/nginx/nginx.conf.in" <<'CONF'
user nobody nogroup;
worker_processes 1;
daemon off;
error_log stderr;
pid /run/nginx.pid;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    upstream web { server @WEB_ADDRESS@; }
    server {
        listen 80;
        location = /nginx-health { return 200 "ok\n"; }
        location / {
            proxy_pass http://web;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }
    }
}
CONF
    cat > "$dir/bin/start-nginx" <<'START'
#!/bin/sh
sed "s|@WEB_ADDRESS@|${WEB_ADDRESS:-web:80}|" /etc/nginx/nginx.conf.in > /tmp/nginx.conf
exec /usr/sbin/nginx -c /tmp/nginx.conf
START
    chmod 755 "$dir/bin/start-nginx"
    wharf_import_image "$dir" wharf-examples/nginx:1 "$recipe" 'EXPOSE 80' 'CMD ["/bin/start-nginx"]'
fi
wharf_log "images: $(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^wharf-examples/(redis|guestbook-web|nginx):' | tr '\n' ' ')"
