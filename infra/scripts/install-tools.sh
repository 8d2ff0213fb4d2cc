#!/usr/bin/env bash
# Installs everything the test suite needs that a fresh Debian machine lacks:
#   - Debian packages: chromium (and java, maven, python3-venv, node/npm, curl,
#     make only when their commands are missing)
#   - AWS SAM CLI, pinned, in a Python virtualenv
#   - DynamoDB Local, from Maven Central
#   - the browser test's npm dependencies (playwright-core, no browser download)
#   - aws-ses-v2-local, the SES v2 emulator of the Go tests (npm, infra/seslocal)
#   - Go module dependencies
#
# Idempotent: every step checks first and is skipped when already done.
# Downloads are kept under ${PARTNERKIT_CACHE:-$HOME/.cache/partnerkit}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PARTNERKIT_CACHE:-$HOME/.cache/partnerkit}"

SAM_VERSION="1.170.0"
STANDARDWEBHOOKS_VERSION="1.1.0"
DDB_GROUP="software.amazon.dynamodb"
DDB_ARTIFACT="DynamoDBLocal"
DDB_VERSION="3.3.1"
DDB_DIR="$CACHE/dynamodb-local"
# Main class of DynamoDB Local 3.x (read from the jar manifest at install time;
# this is only the fallback).
DDB_MAIN_CLASS_DEFAULT="software.amazon.dynamodb.services.local.main.ServerRunner"

export DEBIAN_FRONTEND=noninteractive
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export SAM_CLI_TELEMETRY=0

log() { printf '[install-tools] %s\n' "$*"; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }

START_TS=$(date +%s)
mkdir -p "$CACHE"

# ---------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------
apt_pkgs=()
[[ -x /usr/bin/chromium ]] || apt_pkgs+=(chromium fonts-liberation)
command -v curl >/dev/null 2>&1 || apt_pkgs+=(curl ca-certificates)
command -v make >/dev/null 2>&1 || apt_pkgs+=(make)
command -v java >/dev/null 2>&1 || apt_pkgs+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || apt_pkgs+=(maven)
if ! command -v python3 >/dev/null 2>&1; then
  apt_pkgs+=(python3 python3-venv)
elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_pkgs+=(python3-venv)
fi
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_pkgs+=(npm)

if ((${#apt_pkgs[@]})); then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${apt_pkgs[*]}"
    SUDO=(sudo -n)
  fi
  log "apt-get install ${apt_pkgs[*]}"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
else
  log "debian packages: present"
fi
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium still missing after apt-get install"

# ---------------------------------------------------------------------------
# 2. AWS SAM CLI in a virtualenv
# ---------------------------------------------------------------------------
VENV="$CACHE/venv"
sam_ok() {
  [[ -x "$VENV/bin/sam" ]] && "$VENV/bin/sam" --version 2>/dev/null | grep -q "$SAM_VERSION"
}
if sam_ok; then
  log "aws-sam-cli $SAM_VERSION: present"
else
  log "aws-sam-cli $SAM_VERSION: installing into $VENV"
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "aws-sam-cli==$SAM_VERSION"
  sam_ok || die "sam --version does not report $SAM_VERSION"
fi

# The webhook receiver of the events tests verifies partnerkit's signatures
# with Standard Webhooks' own Python library.
HOOKS_VENV="$CACHE/webhooks-venv"
if [[ -x "$HOOKS_VENV/bin/python" ]] && "$HOOKS_VENV/bin/python" -c 'import standardwebhooks' >/dev/null 2>&1; then
  log "standardwebhooks $STANDARDWEBHOOKS_VERSION: present"
else
  log "standardwebhooks $STANDARDWEBHOOKS_VERSION: installing into $HOOKS_VENV"
  rm -rf "$HOOKS_VENV"
  python3 -m venv "$HOOKS_VENV"
  "$HOOKS_VENV/bin/python" -m pip install -q --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
fi

# ---------------------------------------------------------------------------
# 3. DynamoDB Local from Maven Central
# ---------------------------------------------------------------------------
DDB_STAMP="$DDB_DIR/.installed-$DDB_VERSION"
if [[ -f "$DDB_STAMP" ]]; then
  log "dynamodb-local $DDB_VERSION: present"
else
  log "dynamodb-local $DDB_VERSION: fetching from Maven Central"
  rm -rf "$DDB_DIR"
  mkdir -p "$DDB_DIR/lib" "$DDB_DIR/native-libs" "$DDB_DIR/build"
  cat >"$DDB_DIR/build/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>partnerkit.tools</groupId>
  <artifactId>dynamodb-local-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>$DDB_GROUP</groupId>
      <artifactId>$DDB_ARTIFACT</artifactId>
      <version>$DDB_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  mvn -B -q -Dstyle.color=never -f "$DDB_DIR/build/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$DDB_DIR/lib" -DincludeScope=runtime </dev/null \
    || die "mvn could not fetch $DDB_GROUP:$DDB_ARTIFACT:$DDB_VERSION"

  main_jar="$DDB_DIR/lib/$DDB_ARTIFACT-$DDB_VERSION.jar"
  [[ -f "$main_jar" ]] || die "missing $main_jar after mvn"

  # sqlite4java native libraries: Maven names them like
  # libsqlite4java-linux-amd64-1.0.392.so; the loader wants the bare name.
  shopt -s nullglob
  for arch in amd64 aarch64 arm64 i386; do
    for so in "$DDB_DIR"/lib/libsqlite4java-linux-"$arch"*.so; do
      cp "$so" "$DDB_DIR/native-libs/libsqlite4java-linux-$arch.so"
    done
  done
  shopt -u nullglob

  main_class=$(python3 - "$main_jar" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    text = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
# manifest lines are folded at 72 bytes: continuation lines start with a space
text = text.replace("\r\n", "\n").replace("\n ", "")
for line in text.splitlines():
    if line.startswith("Main-Class:"):
        print(line.split(":", 1)[1].strip())
PY
)
  echo "${main_class:-$DDB_MAIN_CLASS_DEFAULT}" >"$DDB_DIR/main-class"
  rm -rf "$DDB_DIR/build"
  touch "$DDB_STAMP"
  log "dynamodb-local: $(ls "$DDB_DIR/lib" | wc -l) jars, main class $(cat "$DDB_DIR/main-class")"
fi

# DynamoDB Local has no bind-address option (its Jetty server listens on every
# interface). A small launcher sets the connector's host to loopback before
# starting it; dynamodb-local.sh uses it when it was built (needs javac).
LAUNCHER_DIR="$DDB_DIR/launcher"
if [[ -f "$LAUNCHER_DIR/LoopbackDynamoDBLocal.class" ]]; then
  log "dynamodb-local loopback launcher: present"
elif command -v javac >/dev/null 2>&1; then
  log "dynamodb-local loopback launcher: compiling"
  mkdir -p "$LAUNCHER_DIR/src"
  cat >"$LAUNCHER_DIR/src/LoopbackDynamoDBLocal.java" <<'EOF'
import java.lang.reflect.Field;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** Starts DynamoDB Local with its HTTP connector bound to one host (default 127.0.0.1). */
public final class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.bindHost", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof AbstractNetworkConnector network) {
        network.setHost(host);
      }
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
  }
}
EOF
  if javac -nowarn -d "$LAUNCHER_DIR" -cp "$DDB_DIR/lib/*" "$LAUNCHER_DIR/src/LoopbackDynamoDBLocal.java"; then
    :
  else
    log "warning: could not compile the loopback launcher; DynamoDB Local will listen on all interfaces"
  fi
else
  log "dynamodb-local loopback launcher: javac missing, skipped (DynamoDB Local will listen on all interfaces)"
fi

# ---------------------------------------------------------------------------
# 4. npm dependencies, reinstalled when their package-lock.json changes:
#    infra/browser   the browser test (playwright-core only; Chromium comes from Debian)
#    infra/seslocal  the local SES v2 emulator (aws-ses-v2-local, pinned)
# ---------------------------------------------------------------------------
npm_deps() {
  local dir="$ROOT/$1" lock_sum stamp
  [[ -f "$dir/package-lock.json" ]] || return 0
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  stamp="$dir/node_modules/.lock-sha256"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
    log "npm packages ($1): present"
  else
    log "npm ci ($1)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
    echo "$lock_sum" >"$stamp"
  fi
}
npm_deps infra/browser
npm_deps infra/seslocal

# ---------------------------------------------------------------------------
# 5. Go modules
# ---------------------------------------------------------------------------
if command -v go >/dev/null 2>&1; then
  log "go mod download"
  (cd "$ROOT" && go mod download)
else
  die "go is not installed (install Go 1.26 or newer)"
fi

log "done in $(($(date +%s) - START_TS))s (cache: $CACHE)"
