#!/usr/bin/env bash
# Every service image builds offline, stays under its size bound, runs as a non-root user, and
# its service starts from the unpacked image filesystem (chroot as uid 65532, on loopback against
# the test MariaDB) and reports SERVING. The time zones are used for real: a plant in
# Asia/Shanghai must load from the image's own zoneinfo, or the service exits.
set -euo pipefail
ROOT=$1
BUILD=$2
BOUND_MB=${QMS_IMAGE_BOUND_MB:-40}
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v buildah >/dev/null; then
  echo "needs root and buildah (scripts/qms installs it; CI runs as root)"; exit 77
fi
work=$(mktemp -d /tmp/qms-image-test.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# shellcheck source=../../scripts/lib/image.sh
source "$ROOT/scripts/lib/image.sh"

export QMS_SKIP_INSTALL=1 QMS_SKIP_BUILD=1 QMS_BUILD_DIR=$BUILD QMS_IMAGE_DIR=$work/images
QMS_VAR_DIR=$work/var "$ROOT/scripts/qms" images >"$work/images.txt"
cat "$work/images.txt"

db="img_$$"
admin=(mariadb --no-defaults -h127.0.0.1 -P"$QMS_TEST_DB_PORT" -u"$QMS_TEST_DB_ADMIN_USER"
       -p"$QMS_TEST_DB_ADMIN_PASSWORD")
for name in notifications complaints; do
  archive=$(awk -v n="$name" '$1 == n { print $2 }' "$work/images.txt")
  [ -s "$archive" ] || fail "no image archive for $name"
  size_mb=$(( $(stat -c %s "$archive") / 1048576 ))
  [ "$size_mb" -lt "$BOUND_MB" ] || fail "$name image is $size_mb MB, bound $BOUND_MB MB"

  rootfs=$work/rootfs-$name
  image_unpack "$archive" "$rootfs"
  [ -x "$rootfs/app/$name" ] || fail "$name binary missing from its image"
  # The image's own configuration: a non-root user and the binary as entrypoint.
  oci=$work/oci-$name && mkdir -p "$oci" && tar -xf "$archive" -C "$oci"
  config=$(/usr/bin/python3 - "$oci" <<'PY'
import json, sys
d = sys.argv[1]
index = json.load(open(f"{d}/index.json"))
manifest = json.load(open(f"{d}/blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
config = json.load(open(f"{d}/blobs/sha256/" + manifest["config"]["digest"].split(":")[1]))
print(config["config"]["User"], " ".join(config["config"]["Entrypoint"]))
PY
)
  [ "$config" = "65532:65532 /app/$name" ] || fail "$name image config: $config"

  "${admin[@]}" -e "CREATE DATABASE ${db}_$name; CREATE USER '${db}_$name'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON ${db}_$name.* TO '${db}_$name'@'127.0.0.1';"
  echo pw >"$rootfs/tmp/db.password"
  head -c 48 /dev/urandom | base64 | tr -d '\n' >"$rootfs/tmp/jwt.secret"
  chmod 644 "$rootfs/tmp/db.password" "$rootfs/tmp/jwt.secret"
  extra=(--default_time_zone=Asia/Shanghai)
  [ "$name" = complaints ] && extra=(--plant_time_zones=SZ1=Asia/Shanghai,BER=Europe/Berlin)
  chroot --userspec=65532:65532 "$rootfs" "/app/$name" --plaintext --listen=127.0.0.1:0 \
    --metrics_listen=127.0.0.1:0 --ready_file=/tmp/ready --db_port="$QMS_TEST_DB_PORT" \
    --db_name="${db}_$name" --db_user="${db}_$name" --db_password_file=/tmp/db.password \
    --jwt_hs256_secret_file=/tmp/jwt.secret "${extra[@]}" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$rootfs/tmp/ready" ] && break; sleep 0.1; done
  [ -s "$rootfs/tmp/ready" ] || { cat "$work/$name.log" >&2; fail "$name did not start from its image"; }
  address=$(sed -n 's/^grpc=//p' "$rootfs/tmp/ready")
  status=""
  for _ in $(seq 1 50); do
    status=$("$BUILD/tests/health_probe" "$address" || true)
    [ "$status" = SERVING ] && break
    sleep 0.1
  done
  [ "$status" = SERVING ] || { cat "$work/$name.log" >&2; fail "$name from its image: $status"; }
  echo "$name: image ${size_mb} MB, runs as 65532, SERVING from the unpacked image"
  "${admin[@]}" -e "DROP DATABASE ${db}_$name; DROP USER '${db}_$name'@'127.0.0.1';"
done
echo "images: all good"
