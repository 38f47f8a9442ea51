# OCI images of the services, built offline with buildah from scratch: the binary (debug info
# stripped), exactly the shared libraries ldd lists plus the loader, CA certificates, IANA time
# zones (plant calendars), and a non-root user 65532. Sourced by scripts/qms.
#
#   image_build NAME BINARY TAG OUT.tar [REVISION]   writes an OCI archive of qms/NAME:TAG
#                                                  (podman load / skopeo copy it)
#   image_unpack OUT.tar DIR              the image's filesystem, as a container would see it
set -euo pipefail

image_rootfs() {  # image_rootfs BINARY DIR
  local binary=$1 root=$2 lib
  mkdir -p "$root/app" "$root/etc/ssl/certs" "$root/usr/share" "$root/tmp"
  chmod 1777 "$root/tmp"
  cp "$binary" "$root/app/"
  strip --strip-debug "$root/app/$(basename "$binary")"
  # The loader and every library, at the paths the binary asks for.
  # Without LD_PRELOAD: a preloaded library (libfaketime in a date-shifted test run) is no
  # dependency of the binary and must not go into its image.
  for lib in $(env -u LD_PRELOAD ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  (cd /usr/share && tar --exclude=zoneinfo/right --exclude=zoneinfo/posix -cf - zoneinfo) |
    tar -xf - -C "$root/usr/share"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nqms:x:65532:65532:qms:/nonexistent:/sbin/nologin\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nqms:x:65532:\n' >"$root/etc/group"
}

image_build() {
  local name=$1 binary=$2 tag=$3 out=$4 root ctr
  root=$(mktemp -d /tmp/qms-rootfs.XXXXXX)
  image_rootfs "$binary" "$root"
  export BUILDAH_ISOLATION=chroot
  local b=(buildah --storage-driver vfs)
  ctr=$("${b[@]}" from scratch)
  "${b[@]}" copy "$ctr" "$root" / >/dev/null
  "${b[@]}" config --entrypoint "[\"/app/$(basename "$binary")\"]" --user 65532:65532 \
    --workingdir / --env TZDIR=/usr/share/zoneinfo --port 50051 --port 9464 \
    --label org.opencontainers.image.title="qms-$name" \
    --label org.opencontainers.image.version="$tag" \
    --label org.opencontainers.image.revision="${5:-}" "$ctr"
  "${b[@]}" commit --quiet "$ctr" "localhost/qms/$name:$tag" >/dev/null
  "${b[@]}" rm "$ctr" >/dev/null
  rm -f "$out"
  "${b[@]}" push --quiet "localhost/qms/$name:$tag" "oci-archive:$out:qms/$name:$tag"
  rm -rf "$root"
}

image_unpack() {  # image_unpack ARCHIVE DIR
  local archive=$1 dir=$2 oci manifest layer
  oci=$(mktemp -d /tmp/qms-oci.XXXXXX)
  tar -xf "$archive" -C "$oci"
  manifest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$oci/index.json")
  mkdir -p "$dir"
  for layer in $(/usr/bin/python3 -c 'import json,sys; print(" ".join(l["digest"].split(":")[1] for l in json.load(open(sys.argv[1]))["layers"]))' "$oci/blobs/sha256/$manifest"); do
    tar -xf "$oci/blobs/sha256/$layer" -C "$dir"
  done
  rm -rf "$oci"
}
