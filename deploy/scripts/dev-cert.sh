#!/bin/sh
# A self-signed certificate for local use of docker-compose.services.yml (and the tests):
#   sh deploy/scripts/dev-cert.sh [dir] [hostname]     (default nginx/certs, localhost)
# Writes <dir>/tls.crt and <dir>/tls.key (valid 30 days, SAN: hostname, localhost, 127.0.0.1).
# Production: put a real certificate (full chain) and key there, or point NGINX_CERT_DIR at them.
set -eu
dir="${1:-nginx/certs}"
host="${2:-localhost}"
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 644 "$dir/tls.crt"
# nginx (uid 101 in the container) must read the key through the read-only bind mount.
chmod 644 "$dir/tls.key"
echo "dev-cert: wrote $dir/tls.crt and $dir/tls.key for $host"
