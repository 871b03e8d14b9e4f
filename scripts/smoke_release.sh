#!/bin/sh
# Smoke-test a release archive the way a user meets it: unpack, put the directory on PATH,
# run the plugin through the real kubectl, and ask kubectl for a plugin completion.
#
#   scripts/smoke_release.sh dist/kubectl-karp_v0.1.0_linux_amd64.tar.gz
set -eu

archive=${1:?usage: smoke_release.sh ARCHIVE}
command -v kubectl >/dev/null || { echo "error: kubectl is not on PATH" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

case "$archive" in
  *.zip) unzip -q "$archive" -d "$dir" ;;
  *) tar -xzf "$archive" -C "$dir" ;;
esac
for f in kubectl-karp kubectl_complete-karp LICENSE; do
  [ -e "$dir/$f" ] || { echo "error: $f is missing from $archive" >&2; exit 1; }
done

# Only the unpacked directory may provide the plugin; keep the user's kubeconfig out of it.
PATH="$dir:$PATH"
KUBECONFIG="$dir/no-kubeconfig"
export PATH KUBECONFIG

step() { printf '== %s\n' "$*"; }

step kubectl karp --help
kubectl karp --help | head -n 5
step kubectl karp version --client
kubectl karp version --client
step kubectl karp snapshot --demo
kubectl karp snapshot --demo | head -n 3
step kubectl karp simulate --demo
# Exit status 3 means "some pods would stay pending" — a result, not a failure.
status=0
kubectl karp simulate --demo || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "error: simulate exited $status" >&2; exit 1; }
step kubectl __complete karp simulate --demo --nodepool ''
answer=$(kubectl __complete karp simulate --demo --nodepool '' 2>/dev/null)
printf '%s\n' "$answer"
printf '%s\n' "$answer" | tail -n 1 | grep -qx ':4' || { echo "error: no completion directive" >&2; exit 1; }
[ "$(printf '%s\n' "$answer" | wc -l)" -ge 2 ] || { echo "error: no NodePool candidates" >&2; exit 1; }
step ok
