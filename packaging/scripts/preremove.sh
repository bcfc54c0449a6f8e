#!/bin/sh
# Before removing the makechat package (not on upgrade): stop the service.
# Data in /var/lib/makechat and backups in /var/backups/makechat stay.
set -e
case "$1" in
  remove|purge|0)
    if [ -d /run/systemd/system ]; then
      systemctl disable --now makechat >/dev/null 2>&1 || true
    fi
    ;;
esac
