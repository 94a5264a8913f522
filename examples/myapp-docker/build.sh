#!/usr/bin/env bash
# Builds the local image wharf-examples/myapp:1 (seed 002's "myapp": a page naming the container it
# runs in) from the host's static busybox: `httpd -f -p 80` whose index is a CGI script printing the
# container's host name, IP address and $MESOS_TASK_ID. No registry or network needed.
# Skips the build when the image exists and was built from this recipe (label io.wharf.recipe: a hash of
# this script, scripts/lib/rootfs.sh and busybox); --force rebuilds it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/lib/rootfs.sh"

image=${WHARF_MYAPP_IMAGE:-wharf-examples/myapp:1}
recipe=$(wharf_recipe_hash "${BASH_SOURCE[0]}" "$root/scripts/lib/rootfs.sh" "$(wharf_static_busybox)")
if [[ ${1:-} != --force ]] && wharf_image_current "$image" "$recipe"; then
    wharf_log "$image is current (--force rebuilds it)"
    exit 0
fi

work=$(mktemp -d /tmp/wharf-myapp.XXXXXX)
trap 'rm -rf "$work"' EXIT
wharf_busybox_rootfs "$work"
# busybox httpd runs cgi-bin/index.cgi for "/" when the directory has no index.html.
mkdir -p "$work/www/cgi-bin"
cat > "$work/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
address=$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')
printf 'Content-Type: text/html\r\n\r\n'
printf '<h1>myapp</h1>\n<p>container %s, address %s</p>\n<p>task %s</p>\n' \
    "$(hostname)" "${address:-unknown}" "${MESOS_TASK_ID:-not started by wharf}"
CGI
chmod 755 "$work/www/cgi-bin/index.cgi"
wharf_import_image "$work" "$image" "$recipe" 'EXPOSE 80' 'CMD ["/bin/httpd", "-f", "-p", "80", "-h", "/www"]'
