#!/bin/sh
# Install and start a door with sensible defaults (the README's first
# command runs this through `make door`).  Safe to run again: it never
# overwrites an existing config, host key or keys file.
#
#   FALLBACKD_USERS="alice bob"   who may log in (default: the user who ran
#                                 sudo, else root)
#   FALLBACKD_PORT=1022
set -eu

bin=$1
etc=/etc/fallbackd
conf=$etc/fallbackd.conf
port=${FALLBACKD_PORT:-1022}
users=${FALLBACKD_USERS:-${SUDO_USER:-root}}
[ "$users" = "" ] && users=root

[ "$(id -u)" = 0 ] || { echo "door: run as root (sudo make door)" >&2; exit 1; }
install -d -m 0755 /usr/local/sbin "$etc" "$etc/keys"
install -m 0755 "$bin" /usr/local/sbin/fallbackd.new
mv -f /usr/local/sbin/fallbackd.new /usr/local/sbin/fallbackd

if [ ! -f "$etc/ssh_host_ed25519_key" ]; then
    /usr/local/sbin/fallbackd keygen -t ed25519 -f "$etc/ssh_host_ed25519_key"
fi

# Where sshd runs, the door takes its login policy (who, which keys files,
# CAs, revocations): the keys that open port 22 open the door, read live
# from the users' own files, so nothing is copied that could go stale.
imported=""
if [ ! -f "$conf" ] && [ -f /etc/ssh/sshd_config ]; then
    { /usr/local/sbin/fallbackd import-sshd -f /etc/ssh/sshd_config
      echo
      sed -e "s/^Port 1022$/Port $port/" packaging/fallbackd.conf; } > "$conf.new"
    mv -f "$conf.new" "$conf"
    imported=yes
    echo "door: wrote $conf with sshd's login policy (fallbackd import-sshd; review it)"
fi

if [ ! -f "$conf" ]; then
    # Written beside, ended with a newline (fallbackd refuses a config whose
    # last line has none: it may be half-written), then renamed into place.
    sed -e "s/^Port 1022$/Port $port/" \
        -e "s/^#AllowUsers admin$/AllowUsers $users/" packaging/fallbackd.conf > "$conf.new"
    case " $users " in
        *" root "*) sed -i 's/^#PermitRootLogin prohibit-password$/PermitRootLogin prohibit-password/' "$conf.new" ;;
    esac
    [ -z "$(tail -c 1 "$conf.new")" ] || echo >> "$conf.new"
    mv -f "$conf.new" "$conf"
    echo "door: wrote $conf (AllowUsers $users, Port $port)"
fi

# Seed each allowed user's door keys from the keys they already use, so
# the door opens with the same key as the main sshd.  Lines with options
# fallbackd does not know are skipped (and logged) at login.
for u in $users; do
    [ -n "$imported" ] && break
    home=$(awk -F: -v u="$u" '$1 == u { print $6 }' /etc/passwd)
    src=$home/.ssh/authorized_keys
    dst=$etc/keys/$u
    if [ ! -e "$dst" ] && [ -n "$home" ] && [ -f "$src" ]; then
        install -m 0644 -o root -g root "$src" "$dst"
        echo "door: authorized $u with the keys in $src (edit $dst to change)"
    elif [ ! -e "$dst" ]; then
        echo "door: no keys for $u yet: put public keys in $dst (owned by root, mode 0644)"
    fi
done

/usr/local/sbin/fallbackd -t -f "$conf"

if [ -d /run/systemd/system ]; then
    sed 's#/usr/sbin/fallbackd#/usr/local/sbin/fallbackd#' packaging/fallbackd.service \
        > /etc/systemd/system/fallbackd.service
    systemctl daemon-reload
    systemctl enable fallbackd >/dev/null 2>&1 || true
    systemctl restart fallbackd
    echo "door: started by systemd (systemctl status fallbackd)"
else
    # A door already on this port is replaced: stop the process holding the
    # listening socket (connection processes do not hold it, so open
    # sessions survive).
    old=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*"fallbackd",pid=\([0-9]*\).*/\1/p' | sort -u)
    [ -n "$old" ] && kill $old && sleep 1
    /usr/local/sbin/fallbackd -f "$conf"
    echo "door: started (no systemd here; logs go to syslog)"
fi
echo "door: open on port $port.  From another machine:  ssh -p $port USER@$(hostname -I 2>/dev/null | cut -d' ' -f1)"
