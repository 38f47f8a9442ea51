# Sourced by the end-to-end scripts: a local stack of their own (`scripts/qms up` on a fresh var
# dir, free ports, the build given), stopped and removed on exit, and `fail`.
# Arguments of the sourcing script: the source root and the build dir.
ROOT=$1
BUILD=$2
export QMS_VAR_DIR
QMS_VAR_DIR=$(mktemp -d /tmp/qms-e2e.XXXXXX)
export QMS_BUILD_DIR=$BUILD QMS_SKIP_INSTALL=1 QMS_SKIP_BUILD=1 QMS_PORTS=auto
trap '"$ROOT/scripts/qms" down >/dev/null 2>&1 || true; rm -rf "$QMS_VAR_DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
