# Helpers for building small local Docker images without a registry or a Dockerfile base image:
# a root filesystem is assembled in a temporary directory and imported with `docker import`.
# Sourced by scripts/docker-test-images and the examples' build scripts (bash, `set -euo pipefail`).

# Applets linked in every busybox image (the tests and examples use a subset).
WHARF_BUSYBOX_APPLETS=(sh ash awk cat chmod cp date echo env false grep head hostname httpd id ifconfig ip kill ln ls
    mkdir mv nc nslookup printf ps rm sed seq sleep sort tail tee test touch tr true uname wc wget xargs)

wharf_log() { echo "$(basename "$0"): $*" >&2; }

# Runs apt-get as root (directly or through sudo) to install packages; returns non-zero when that is
# impossible. Runs `apt-get update` once per process.
wharf_apt_install() {
    command -v apt-get >/dev/null 2>&1 || { wharf_log "apt-get not found; install $* yourself"; return 1; }
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        sudo -n true 2>/dev/null || { wharf_log "need root (or passwordless sudo) to install $*"; return 1; }
        sudo="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [[ -z "${WHARF_APT_UPDATED:-}" ]]; then
        $sudo apt-get update -qq || return 1
        WHARF_APT_UPDATED=1
    fi
    $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Prints the path of a statically linked busybox (installing busybox-static if there is none).
wharf_static_busybox() {
    local candidate
    for candidate in /bin/busybox /usr/bin/busybox; do
        [[ -x $candidate ]] || continue
        # ldd exits 1 for a static binary: read its answer rather than its status (pipefail).
        if [[ $(LC_ALL=C ldd "$candidate" 2>&1 || true) == *"not a dynamic executable"* ]]; then
            echo "$candidate"
            return 0
        fi
    done
    wharf_log "installing busybox-static (a statically linked busybox for the image)"
    wharf_apt_install busybox-static || return 1
    [[ -x /bin/busybox ]] && echo /bin/busybox
}

# Fills directory $1 with a minimal root filesystem: /bin/busybox and its applets, /etc/passwd
# (root and nobody), /etc/group, /tmp, /data.
wharf_busybox_rootfs() {
    local dir=$1 busybox applet
    busybox=$(wharf_static_busybox) || return 1
    mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/data"
    chmod 1777 "$dir/tmp"
    cp "$busybox" "$dir/bin/busybox"
    for applet in "${WHARF_BUSYBOX_APPLETS[@]}"; do ln -sf busybox "$dir/bin/$applet"; done
    printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
}

# Prints the recipe hash of an image: 16 hex digits of the SHA-256 of the given files (the build script,
# this library, the binaries copied into the image). The image carries it as the label io.wharf.recipe,
# so a changed script, library or binary rebuilds the image instead of reusing a stale one.
wharf_recipe_hash() {
    local file
    for file in "$@"; do
        [[ -r $file ]] || { wharf_log "recipe input $file is missing"; return 1; }
    done
    cat -- "$@" | sha256sum | cut -c1-16
}

# Whether image $1 exists locally and was built from recipe hash $2.
wharf_image_current() {
    local label
    label=$(docker image inspect --format '{{index .Config.Labels "io.wharf.recipe"}}' "$1" 2>/dev/null) || return 1
    [[ $label == "$2" ]]
}

# Imports directory $1 as image $2 built from recipe hash $3 (label io.wharf.recipe); further arguments
# are `docker import -c` changes (ENV PATH=/bin:/usr/sbin:/usr/bin:/sbin is always set).
wharf_import_image() {
    local dir=$1 image=$2 recipe=$3 change
    shift 3
    local changes=(-c 'ENV PATH=/bin:/usr/sbin:/usr/bin:/sbin' -c "LABEL io.wharf.recipe=$recipe")
    for change in "$@"; do changes+=(-c "$change"); done
    tar -C "$dir" -c . | docker import "${changes[@]}" - "$image" >/dev/null
    wharf_log "built $image (recipe $recipe)"
}

# Copies each binary ($2...) into directory $1 at the same path, with every shared library `ldd`
# lists (and the dynamic loader), so that it runs in an image without a distribution.
wharf_copy_with_libs() {
    local dir=$1 binary lib
    shift
    for binary in "$@"; do
        mkdir -p "$dir$(dirname "$binary")"
        cp -L "$binary" "$dir$binary"
        for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
            mkdir -p "$dir$(dirname "$lib")"
            cp -L "$lib" "$dir$lib"
        done
    done
}
