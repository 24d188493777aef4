#!/usr/bin/env bash
# Provide a complete Pulumi CLI bundle for this project, offline: `pulumi`, Pulumi's Python
# language host `pulumi-language-python`, its exec shim `pulumi-language-python-exec` and the
# dynamic-provider plugin script `pulumi-resource-pulumi-python`, side by side in one bin dir
# (the layout of an official install).
#
#   tools/pulumi/bootstrap.sh            build or reuse; print the bin dir on the last line
#   tools/pulumi/bootstrap.sh --bin-dir  print the bin dir of a finished bootstrap (no build)
#
# Order of preference:
#   1. a complete `pulumi` already on PATH (>= MIN_VERSION, with pulumi-language-python beside it);
#   2. our cached build in $WEBEX_IAC_CACHE/pulumi-<version>/bin (a missing or stale language
#      host is rebuilt on its own, without rebuilding the CLI);
#   3. a fresh build: the CLI from the Go module proxy (minutes, once); the language host from
#      PULUMI_LANGUAGE_PYTHON_SRC (Pulumi's own, unmodified source: main.go, the exec shim and
#      the plugin script; default ../shared/pulumi-language-python next to this checkout).
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
# The version of the language host source we build (pulumi/pulumi tag of its main.go).
LANGHOST_VERSION="${PULUMI_LANGUAGE_PYTHON_STAMP:-v3.259.0}"
# 3.139 gave dynamic providers `configure`; older CLIs lack engine features our policy pack uses.
MIN_VERSION="3.181.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE_ROOT="${WEBEX_IAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webex-iac}"
PREFIX="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
BIN="$PREFIX/bin"
LANGHOST_MODULE="github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
LANGHOST_SRC="${PULUMI_LANGUAGE_PYTHON_SRC:-}"
if [ -z "$LANGHOST_SRC" ] && [ -f "$REPO/../shared/pulumi-language-python/main.go" ]; then
  LANGHOST_SRC="$(cd "$REPO/../shared/pulumi-language-python" && pwd)"
fi
# The three files an official bundle ships with the host; copied unmodified.
LANGHOST_FILES="main.go pulumi-language-python-exec pulumi-resource-pulumi-python"

say() { printf '[bootstrap %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

version_ge() {  # version_ge A B: A >= B (semver without pre-release)
  [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -1)" = "${2#v}" ]
}

complete() {  # complete DIR: the CLI bundle in DIR can run a Python program and a policy pack
  [ -x "$1/pulumi" ] && [ -x "$1/pulumi-language-python" ] && [ -e "$1/pulumi-language-python-exec" ] \
    && [ -x "$1/pulumi-resource-pulumi-python" ]
}

no_go() {
  cat >&2 <<MSG
error: no complete Pulumi CLI (>= $MIN_VERSION, with pulumi-language-python beside it) on PATH,
and $1. Either install the Pulumi CLI
(https://www.pulumi.com/docs/install/, e.g. 'curl -fsSL https://get.pulumi.com | sh', then put
~/.pulumi/bin on PATH), or install Go >= 1.26 and run 'make bootstrap' again to build Pulumi
$PULUMI_VERSION and its Python language host from source.
MSG
  exit 2
}

cli_stamp() { cat "$HERE/go.mod" "$HERE/go.sum" 2>/dev/null | sha256sum | cut -c1-16; }
langhost_stamp() {  # what the host build depends on: its source, the CLI's modules, its version
  { echo "$LANGHOST_VERSION"; cat "$HERE/go.mod" "$HERE/go.sum"
    if [ -n "$LANGHOST_SRC" ]; then (cd "$LANGHOST_SRC" && cat $LANGHOST_FILES) || true; fi; } 2>/dev/null \
    | sha256sum | cut -c1-16
}

if [ "${1:-}" = "--bin-dir" ]; then
  complete "$BIN" && { echo "$BIN"; exit 0; }
  exit 1
fi

# 1. A complete pulumi on PATH, new enough: link its bundle in and use it.
if [ -z "${WEBEX_IAC_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  found="$(command -v pulumi)"
  case "$found" in "$BIN"/*) ;; *)
    pdir="$(dirname "$found")"
    v="$(pulumi version 2>/dev/null || true)"
    if [ -n "$v" ] && version_ge "$v" "$MIN_VERSION" && complete "$pdir"; then
      say "using pulumi $v from PATH ($pdir)"
      mkdir -p "$BIN"
      for f in "$pdir"/pulumi "$pdir"/pulumi-language-python* "$pdir"/pulumi-resource-pulumi-python; do
        ln -sfn "$f" "$BIN/$(basename "$f")"
      done
      rm -f "$PREFIX/.cli-stamp" "$PREFIX/.langhost-stamp"
      echo "$BIN"
      exit 0
    elif [ -n "$v" ] && ! complete "$pdir"; then
      say "pulumi $v on PATH ($pdir) is incomplete: no pulumi-language-python beside it; building $PULUMI_VERSION"
    elif [ -n "$v" ]; then
      say "pulumi $v on PATH is older than $MIN_VERSION; building $PULUMI_VERSION"
    fi
  esac
fi

# 2. Cached build, complete and current.
cstamp="$(cli_stamp)"
lstamp="$(langhost_stamp)"
cli_ok() { [ -x "$BIN/pulumi" ] && [ ! -L "$BIN/pulumi" ] && [ "$(cat "$PREFIX/.cli-stamp" 2>/dev/null)" = "$cstamp" ]; }
host_ok() {  # without a source to compare with, any host this script built will do
  complete "$BIN" && [ ! -L "$BIN/pulumi-language-python" ] && [ -s "$PREFIX/.langhost-stamp" ] \
    && { [ -z "$LANGHOST_SRC" ] || [ "$(cat "$PREFIX/.langhost-stamp")" = "$lstamp" ]; }
}
if cli_ok && host_ok; then
  say "reusing cached Pulumi $("$BIN/pulumi" version) with pulumi-language-python $("$BIN/pulumi-language-python" -version 2>/dev/null || echo "$LANGHOST_VERSION") in $BIN"
  echo "$BIN"
  exit 0
fi

# 3. Build what is missing.
command -v go >/dev/null 2>&1 || no_go "no Go toolchain to build one"
mkdir -p "$BIN" "$PREFIX/src"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
cp "$HERE/go.mod" "$HERE/go.sum" "$HERE/tools.go" "$PREFIX/src/"

if ! cli_ok; then
  rm -f "$BIN/pulumi" "$PREFIX/.cli-stamp"
  say "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy (first time: several minutes)"
  say "downloading modules…"
  (cd "$PREFIX/src" && go mod download)
  say "compiling (progress every 200 packages)…"
  (cd "$PREFIX/src" && go build -v -trimpath -ldflags "-X $VERSION_PKG=$PULUMI_VERSION" -o "$BIN/pulumi.tmp" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1) \
    | awk '{n++} n%200==0 {printf "[bootstrap] %d packages compiled\n", n > "/dev/stderr"} /^#|error|cannot/ {print > "/dev/stderr"}'
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  echo "$cstamp" > "$PREFIX/.cli-stamp"
  say "built $("$BIN/pulumi" version)"
fi

# The Python language host. The shared source is never modified: main.go is copied into a
# scratch module under the cache whose go.mod is the CLI's (same module versions as the CLI).
rm -f "$PREFIX/langhost-error.txt" "$PREFIX/.langhost-stamp" "$BIN/pulumi-language-python"
langhost_err=""
if [ -n "$LANGHOST_SRC" ]; then
  for f in $LANGHOST_FILES; do
    [ -f "$LANGHOST_SRC/$f" ] || { langhost_err="$LANGHOST_SRC/$f is missing (PULUMI_LANGUAGE_PYTHON_SRC)"; break; }
  done
fi
if [ -n "$LANGHOST_SRC" ] && [ -z "$langhost_err" ]; then
  say "building pulumi-language-python $LANGHOST_VERSION from $LANGHOST_SRC (first time: about two minutes)"
  scratch="$PREFIX/langhost-src"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  sed 's|^module .*|module webex-iac/tools/pulumi-language-python|' "$HERE/go.mod" > "$scratch/go.mod"
  cp "$HERE/go.sum" "$scratch/go.sum"
  cp "$LANGHOST_SRC/main.go" "$scratch/main.go"
  if ! out="$(cd "$scratch" && go mod tidy 2>&1 && go build -trimpath -ldflags "-X $VERSION_PKG=$LANGHOST_VERSION" \
                 -o "$BIN/pulumi-language-python.tmp" . 2>&1)"; then
    langhost_err="$out"
  else
    mv "$BIN/pulumi-language-python.tmp" "$BIN/pulumi-language-python"
    # The shim must sit next to the host (it looks beside its own executable); the plugin
    # script is what the engine starts for dynamic resources, taking the venv from Pulumi.yaml.
    install -m 0755 "$LANGHOST_SRC/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
    install -m 0755 "$LANGHOST_SRC/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
    install -m 0644 "$LANGHOST_SRC/LICENSE" "$BIN/LICENSE.pulumi-language-python" 2>/dev/null || true
    echo "$lstamp" > "$PREFIX/.langhost-stamp"
  fi
elif [ -z "$langhost_err" ]; then
  # No source at hand. The Go module proxy is no substitute: even where it serves the untagged
  # module $LANGHOST_MODULE, the exec shim and the plugin script live outside that module.
  langhost_err="no language host source: PULUMI_LANGUAGE_PYTHON_SRC is unset and $REPO/../shared/pulumi-language-python does not exist"
fi
if [ -n "$langhost_err" ] || ! complete "$BIN"; then
  printf '%s\n' "${langhost_err:-incomplete bundle in $BIN}" > "$PREFIX/langhost-error.txt"
  say "the Python language host could not be built:"
  printf '  %s\n' "${langhost_err:-incomplete bundle in $BIN}" | tail -20 >&2
  cat >&2 <<MSG
error: Pulumi $PULUMI_VERSION is built, but without its Python language host 'pulumi up' cannot
run a Python program. Point PULUMI_LANGUAGE_PYTHON_SRC at a directory holding Pulumi's
sdk/python/cmd/pulumi-language-python/main.go, pulumi-language-python-exec and
pulumi-resource-pulumi-python (e.g. ../shared/pulumi-language-python), or install the official
Pulumi CLI (https://www.pulumi.com/docs/install/) and put it on PATH.
MSG
  exit 2
fi

say "Pulumi $PULUMI_VERSION with pulumi-language-python $LANGHOST_VERSION ready in $BIN"
echo "$BIN"
