#!/bin/sh
# Writes deploy/nginx/affinites.conf with the @NAMES@ replaced from the environment:
#   SERVER_NAME UPSTREAM HTTP_PORT HTTPS_PORT TLS_CERT TLS_KEY STATIC_ROOT MEDIA_ROOT
# e.g. SERVER_NAME=affinites.example.org UPSTREAM=127.0.0.1:8000 HTTP_PORT=80 HTTPS_PORT=443 \
#      TLS_CERT=/etc/letsencrypt/live/affinites.example.org/fullchain.pem \
#      TLS_KEY=/etc/letsencrypt/live/affinites.example.org/privkey.pem \
#      STATIC_ROOT=/srv/affinites/static_collected MEDIA_ROOT=/srv/affinites/media \
#      deploy/nginx/render.sh > /etc/nginx/sites-available/affinites
set -eu
here=$(dirname "$0")
for name in SERVER_NAME UPSTREAM HTTP_PORT HTTPS_PORT TLS_CERT TLS_KEY STATIC_ROOT MEDIA_ROOT; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || { echo "render.sh: set $name" >&2; exit 2; }
done
sed -e "s|@SERVER_NAME@|$SERVER_NAME|g" -e "s|@UPSTREAM@|$UPSTREAM|g" \
    -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
    -e "s|@TLS_CERT@|$TLS_CERT|g" -e "s|@TLS_KEY@|$TLS_KEY|g" \
    -e "s|@STATIC_ROOT@|$STATIC_ROOT|g" -e "s|@MEDIA_ROOT@|$MEDIA_ROOT|g" \
    "$here/affinites.conf"
