#!/usr/bin/env bash
# Every service image builds offline, stays under its size bound, runs as a non-root user, is
# named as the chart's default image, and its service starts from the unpacked image filesystem
# (chroot as uid 65532, on loopback against the test MariaDB) with the args and files the chart
# gives its pod, and reports SERVING. The three-plant example's plants make the time zones real:
# Asia/Shanghai and America/Detroit must load from the image's own zoneinfo, or the service exits.
set -euo pipefail
ROOT=$1
BUILD=$2
BOUND_MB=${QMS_IMAGE_BOUND_MB:-40}
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v buildah >/dev/null; then
  echo "needs root and buildah (scripts/qms installs it; CI runs as root)"; exit 77
fi
work=$(mktemp -d /tmp/qms-image-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../../scripts/lib/image.sh
source "$ROOT/scripts/lib/image.sh"
# shellcheck source=../../scripts/lib/deploy_tools.sh
QMS_TOOLS_DIR=${QMS_TOOLS_DIR:-$BUILD/tools-cache} source "$ROOT/scripts/lib/deploy_tools.sh"

export QMS_SKIP_INSTALL=1 QMS_SKIP_BUILD=1 QMS_BUILD_DIR=$BUILD QMS_IMAGE_DIR=$work/images
QMS_VAR_DIR=$work/var "$ROOT/scripts/qms" images >"$work/images.txt"
cat "$work/images.txt"

helm_quiet "$(ensure_helm)" template quality "$ROOT/helm/qms" \
  -f "$ROOT/helm/qms/examples/three-plants.yaml" --set image.registry= --set tls.existingSecret= \
  --set auth.hs256SecretKey=jwt.secret --set auth.publicKeysKey= >"$work/render.yaml"

# Every service of the registry.
for name in $(sed -n 's/^\([a-z][a-z0-9_-]*\).*/\1/p' "$ROOT/services/registry.txt"); do
  archive=$(awk -v n="$name" '$1 == n { print $2 }' "$work/images.txt")
  [ -s "$archive" ] || fail "no image archive for $name"
  size_mb=$(( $(stat -c %s "$archive") / 1048576 ))
  [ "$size_mb" -lt "$BOUND_MB" ] || fail "$name image is $size_mb MB, bound $BOUND_MB MB"

  rootfs=$work/rootfs-$name
  image_unpack "$archive" "$rootfs"
  [ -x "$rootfs/app/$name" ] || fail "$name binary missing from its image"
  # The image's own configuration (non-root user, the binary as entrypoint) and its name, which
  # must be the image the chart's Deployment asks for by default.
  oci=$work/oci-$name && mkdir -p "$oci" && tar -xf "$archive" -C "$oci"
  config=$(/usr/bin/python3 - "$oci" "$work/render.yaml" "$name" <<'PY'
import json, sys, yaml
d, render, name = sys.argv[1:]
index = json.load(open(f"{d}/index.json"))
ref = index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
manifest = json.load(open(f"{d}/blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
config = json.load(open(f"{d}/blobs/sha256/" + manifest["config"]["digest"].split(":")[1]))
images = {c["image"] for o in yaml.safe_load_all(open(render)) if o and o["kind"] == "Deployment"
          for c in o["spec"]["template"]["spec"]["containers"] if c["name"] == name}
assert images == {ref}, f"the chart runs {images}, the archive holds {ref}"
print(config["config"]["User"], " ".join(config["config"]["Entrypoint"]))
PY
)
  [ "$config" = "65532:65532 /app/$name" ] || fail "$name image config: $config"
  echo "$name: image ${size_mb} MB, runs as 65532, named as the chart's default image"
done

/usr/bin/python3 "$ROOT/tests/deploy/check_render.py" run "$work/render.yaml" --build "$BUILD" \
  --work "$work" --rootfs "$work"
grep -q 'calendar of DET\|calendar of SZ1 set from the plants file' "$work/notifications.log" \
  || { cat "$work/notifications.log"; fail "no plant calendar stored from the image"; }
echo "images: all good"
