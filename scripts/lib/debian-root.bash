# Sourced by scripts that need a Debian root of their own (asterisk-sandbox, php74).
# The caller defines say and die, and sets -euo pipefail.

host_mirror() {
    # The host already knows a Debian mirror it can reach; use the same one.
    if [ -n "${AMIJSON_SANDBOX_MIRROR:-}" ]; then echo "$AMIJSON_SANDBOX_MIRROR"; return; fi
    local uri
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -v -- '-security' | grep '/debian/*$' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | awk '{print $2}' | grep -v -- '-security' | grep '/debian/*$' | head -n1 || true)
    fi
    [ -n "$uri" ] || die "no Debian mirror found in the host's apt sources; set AMIJSON_SANDBOX_MIRROR"
    echo "$uri"
}

ensure_host_tools() {
    # Install each named tool (its Debian package has the same name) the host lacks.
    local missing=() tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} on the host"
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
    fi
}

build_root() {
    # build_root SUITE ROOT LOGDIR STAMP PACKAGE...: a minbase SUITE root at ROOT holding the
    # packages, built beside it and moved in place only when whole. Nothing happens when ROOT
    # already carries STAMP (bump the stamp when the package set changes).
    #
    # ROOT.lock serialises builders: a second caller (another `up`, a demo beside a test run)
    # waits for the first one's root instead of wiping its half-built ROOT.new.
    local suite=$1 root=$2 logdir=$3 stamp=$4
    shift 4
    root_is_current "$root" "$stamp" && return
    mkdir -p "$(dirname "$root")"
    local lock_fd
    exec {lock_fd}>"$root.lock"
    if ! flock -n "$lock_fd"; then
        say "another process is building $root; waiting for it (up to 30 min)"
        flock -w 1800 "$lock_fd" || die "$root.lock still held after 30 min"
    fi
    # The other builder may have just finished it.
    if root_is_current "$root" "$stamp"; then exec {lock_fd}>&-; return; fi
    _build_root_locked "$suite" "$root" "$logdir" "$stamp" "$@" {lock_fd}>&-
    exec {lock_fd}>&-
}

root_is_current() {
    [ -f "$1/.amijson-stamp" ] && [ "$(cat "$1/.amijson-stamp")" = "$2" ]
}

_build_root_locked() {
    local suite=$1 root=$2 logdir=$3 stamp=$4
    shift 4
    ensure_host_tools debootstrap
    local mirror tmp=$root.new
    mirror=$(host_mirror)
    rm -rf "$tmp"
    mkdir -p "$logdir"
    say "debootstrap $suite into $tmp from $mirror (about a minute, once)"
    debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$logdir/debootstrap.log" 2>&1 \
        || { tail -n 20 "$logdir/debootstrap.log" >&2; die "debootstrap failed"; }
    # Check-Valid-Until: a suite's Release file may be older than its validity window.
    local apt=(chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get -q
               -o Acquire::Check-Valid-Until=false)
    # Package scripts must not try to start services inside the root.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    say "installing $* in the root"
    { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "$@"; } \
        >"$logdir/apt.log" 2>&1 || { tail -n 20 "$logdir/apt.log" >&2; die "apt-get in the root failed"; }
    chroot "$tmp" apt-get clean
    echo "$stamp" >"$tmp/.amijson-stamp"
    rm -rf "$root"
    mv "$tmp" "$root"
}
