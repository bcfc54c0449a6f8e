#!/bin/sh
# After installing or upgrading the makechat package.
set -e
if ! getent group makechat >/dev/null 2>&1; then
  groupadd --system makechat
fi
if ! getent passwd makechat >/dev/null 2>&1; then
  useradd --system --gid makechat --home-dir /var/lib/makechat --no-create-home \
    --shell /usr/sbin/nologin --comment "makechat server" makechat
fi
install -d -m 0700 -o makechat -g makechat /var/lib/makechat /var/backups/makechat
chown root:makechat /etc/makechat/makechat.conf
chmod 0640 /etc/makechat/makechat.conf

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet makechat; then
    systemctl restart makechat
  else
    systemctl enable --now makechat
    echo "makechat is running on port 8080. Create the first administrator with:"
    echo "  sudo makechat user create -u admin -p PASSWORD -e EMAIL -admin"
  fi
fi
