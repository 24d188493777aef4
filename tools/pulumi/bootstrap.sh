#!/usr/bin/env bash
# Provide the Pulumi engine this project runs on, offline.
#
#   tools/pulumi/bootstrap.sh            build or reuse; print the bin dir on the last line
#   tools/pulumi/bootstrap.sh --bin-dir  print the bin dir of a finished bootstrap (no build)
#
# Order of preference:
#   1. a `pulumi` already on PATH, new enough (>= MIN_VERSION);
#   2. our cached build in $WEBEX_IAC_CACHE/pulumi-<version>/bin;
#   3. a fresh build from the Go module proxy (minutes, once), then cached.
# The Python language host is a separate, untagged Go module. If it cannot be had we do not
# substitute anything: we build the CLI and record the exact error in langhost-error.txt. Our
# own commands do not need it (they host the program through the Automation API); a bare
# `pulumi up` in this directory does.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
# 3.139 gave dynamic providers `configure`; 3.181 gave the CLI `--client`, which the Automation
# API uses to run our program in-process (see webex_iac/engine.py).
MIN_VERSION="3.181.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE_ROOT="${WEBEX_IAC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webex-iac}"
PREFIX="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
BIN="$PREFIX/bin"
LANGHOST_MODULE="github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
VENV_PYTHON="${WEBEX_IAC_PYTHON:-$REPO/.venv/bin/python}"

say() { printf '[bootstrap %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

version_ge() {  # version_ge A B: A >= B (semver without pre-release)
  [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -1)" = "${2#v}" ]
}

write_launchers() {
  # Our own launcher (the engine expects it by name). It pins the project's venv so that the
  # dynamic provider runs on the locked dependencies.
  local dir="$1"
  mkdir -p "$dir"
  cat > "$dir/pulumi-resource-pulumi-python" <<LAUNCH
#!/bin/sh
# Dynamic-provider plugin: the engine starts it for every dynamic/* resource.
exec "\${WEBEX_IAC_PYTHON:-$VENV_PYTHON}" -u -m pulumi.dynamic "\$@"
LAUNCH
  chmod +x "$dir/pulumi-resource-pulumi-python"
  # pulumi-language-python-exec, which the language host starts, is not written: that host
  # cannot be had here (see below), and a launcher nothing runs would be untested code.
}

stamp_of() { cat "$HERE/go.mod" "$HERE/go.sum" 2>/dev/null | sha256sum | cut -c1-16; }

if [ "${1:-}" = "--bin-dir" ]; then
  [ -x "$BIN/pulumi" ] && { echo "$BIN"; exit 0; }
  exit 1
fi

# Our launchers live in $BIN whichever CLI is used, so the engine finds them first on PATH.
write_launchers "$BIN"

# 1. A pulumi on PATH that is new enough: link it in and use it.
if [ -z "${WEBEX_IAC_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  found="$(command -v pulumi)"
  case "$found" in "$BIN"/*) ;; *)
    v="$(pulumi version 2>/dev/null || true)"
    if [ -n "$v" ] && version_ge "$v" "$MIN_VERSION"; then
      say "using pulumi $v from PATH ($found)"
      ln -sf "$found" "$BIN/pulumi"
      pdir="$(dirname "$found")"
      [ -x "$pdir/pulumi-language-python" ] && ln -sf "$pdir/pulumi-language-python" "$BIN/pulumi-language-python"
      echo "$BIN"
      exit 0
    elif [ -n "$v" ]; then
      say "pulumi $v on PATH is older than $MIN_VERSION; building $PULUMI_VERSION"
    fi
  esac
fi

# 2. Cached build.
stamp="$(stamp_of)"
if [ -x "$BIN/pulumi" ] && [ ! -L "$BIN/pulumi" ] && [ "$(cat "$PREFIX/.cli-stamp" 2>/dev/null)" = "$stamp" ] \
   && [ -z "${PULUMI_LANGUAGE_PYTHON_VERSION:-}" ] \
   && { [ -x "$BIN/pulumi-language-python" ] || [ -s "$PREFIX/langhost-error.txt" ]; }; then
  say "reusing cached Pulumi $("$BIN/pulumi" version) in $BIN"
  if [ -s "$PREFIX/langhost-error.txt" ]; then
    say "(Python language host unavailable: $(head -c 300 "$PREFIX/langhost-error.txt" | tr '\n' ' '))"
  fi
  echo "$BIN"
  exit 0
fi

# 3. Build.
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
error: no usable Pulumi CLI (>= $MIN_VERSION with its Python language host) on PATH, and no Go
toolchain to build one. Either install the Pulumi CLI (https://www.pulumi.com/docs/install/,
e.g. 'curl -fsSL https://get.pulumi.com | sh', then put ~/.pulumi/bin on PATH), or install
Go >= 1.26 and run 'make bootstrap' again to build Pulumi $PULUMI_VERSION from its Go modules.
MSG
  exit 2
fi

mkdir -p "$BIN" "$PREFIX/src"
export GOFLAGS="${GOFLAGS:--mod=mod}"
cp "$HERE/go.mod" "$HERE/go.sum" "$HERE/tools.go" "$PREFIX/src/"

if [ ! -x "$BIN/pulumi" ] || [ -L "$BIN/pulumi" ] || [ "$(cat "$PREFIX/.cli-stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$BIN/pulumi"
  say "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy (first time: several minutes)"
  say "downloading modules…"
  (cd "$PREFIX/src" && go mod download)
  say "compiling (progress every 200 packages)…"
  (cd "$PREFIX/src" && go build -v -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1) \
    | awk '{n++} n%200==0 {printf "[bootstrap] %d packages compiled\n", n > "/dev/stderr"} /^#|error|cannot/ {print > "/dev/stderr"}'
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  echo "$stamp" > "$PREFIX/.cli-stamp"
  say "built $("$BIN/pulumi" version)"
fi

# The Python language host: an untagged module, addressed by a pseudo-version of the release commit.
rm -f "$PREFIX/langhost-error.txt"
langhost_version="${PULUMI_LANGUAGE_PYTHON_VERSION:-}"
if [ -z "$langhost_version" ]; then
  commit="$(cd "$PREFIX/src" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
            | sed -n 's/.*"Hash": *"\([0-9a-f]\{40\}\)".*/\1/p' | head -1)"
  if [ -n "$commit" ]; then
    langhost_version="$commit"
  fi
fi
langhost_err=""
if [ -z "$langhost_version" ]; then
  # Still ask the proxy, so the report carries its exact answer.
  proxy_says="$(cd "$PREFIX/src" && go get "$LANGHOST_MODULE@latest" 2>&1 | tail -3 || true)"
  langhost_err="$proxy_says
the Go module proxy gives no Origin (commit) for github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION, so the pseudo-version of $LANGHOST_MODULE cannot be derived; set PULUMI_LANGUAGE_PYTHON_VERSION=<pseudo-version or commit>"
else
  say "fetching the Python language host $LANGHOST_MODULE@$langhost_version"
  if ! out="$(cd "$PREFIX/src" && go get "$LANGHOST_MODULE@$langhost_version" 2>&1)"; then
    langhost_err="$out"
  elif ! out="$(cd "$PREFIX/src" && go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-python" "$LANGHOST_MODULE" 2>&1)"; then
    langhost_err="$out"
  fi
fi
if [ -n "$langhost_err" ]; then
  printf '%s\n' "$langhost_err" > "$PREFIX/langhost-error.txt"
  say "BLOCKED: the Python language host could not be had from the Go module proxy:"
  printf '  %s\n' "$langhost_err" >&2
  say "no substitute is built: bare 'pulumi up' needs it; make up/test/policy run the same"
  say "engine through the Automation API, which hosts the Python program in-process"
  echo "$BIN"
  exit 0
fi

say "Pulumi $PULUMI_VERSION ready in $BIN"
echo "$BIN"
