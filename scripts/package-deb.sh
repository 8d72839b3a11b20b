#!/usr/bin/env bash
# Builds the Debian package: target/deb/fluke_<version>_amd64.deb (README, "Install on hosts").
#
#   scripts/package-deb.sh                 build the jar (mvn package, tests skipped) and package it
#   scripts/package-deb.sh --jar JAR       package an already built jar
#   scripts/package-deb.sh --out DIR       write the .deb (and the tree it was made from) to DIR
#   scripts/package-deb.sh --print-modules list the Java modules jdeps finds in the jar, and stop
#
# Inside: /usr/lib/fluke/runtime, a Java runtime made with jlink from the JDK running this script
# (only the modules in packaging/debian/jlink-modules); the jar and the class lists of its AppCDS archives,
# recorded by scripts/cds-archive.sh from a real server, agent and the client commands run on that runtime
# (so a module missing from it fails the build here, not on a host); the launcher bin/fluke
# (/usr/bin/fluke); the systemd units; example configuration under /etc/fluke as conffiles; the
# maintainer scripts of packaging/debian. Needs a JDK 17 (jlink, jdeps), dpkg-deb, git; installs nothing.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
src=$root/packaging/debian
jar=
out=$root/fluke-app/target/deb
print_modules=false
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=$(readlink -f "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --print-modules) print_modules=true; shift ;;
    *) echo "usage: $0 [--jar JAR] [--out DIR] [--print-modules]" >&2; exit 2 ;;
  esac
done

jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")}
for tool in jlink jdeps jar; do
  [ -x "$jdk/bin/$tool" ] || { echo "package-deb: no $tool in $jdk: set JAVA_HOME to a JDK 17" >&2; exit 1; }
done
command -v dpkg-deb >/dev/null || { echo "package-deb: dpkg-deb is needed" >&2; exit 1; }

if [ -z "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests -Dfluke.cds.skip=true package)
  jar=$root/fluke-app/target/fluke.jar
fi

if $print_modules; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && "$jdk/bin/jar" -xf "$jar" && rm -rf META-INF/versions && find . -name module-info.class -delete)
  "$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps -q "$tmp"
  exit 0
fi

# The version the jar was built as (0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT, which sorts before 0.1.0).
props=$(mktemp -d)
(cd "$props" && "$jdk/bin/jar" -xf "$jar" dev/fluke/app/cli/version.properties)
version=$(sed -n 's/^version=//p' "$props/dev/fluke/app/cli/version.properties" | tr -d '\r')
rm -rf "$props"
[ -n "$version" ] || { echo "package-deb: no version in $jar" >&2; exit 1; }
debversion=${version//-/\~}

mkdir -p "$out"
out=$(readlink -f "$out")
tree=$out/fluke_${debversion}_amd64
rm -rf "$tree"
lib=$tree/usr/lib/fluke
mkdir -p "$lib/bin" "$lib/lib" "$tree/usr/bin" "$tree/lib/systemd/system" "$tree/etc/fluke" \
  "$tree/etc/default" "$tree/usr/share/doc/fluke" "$tree/DEBIAN"

modules=$(grep -v '^#' "$src/jlink-modules" | grep -v '^$' | paste -sd, -)
echo "package-deb: jlink runtime with $modules"
"$jdk/bin/jlink" --add-modules "$modules" --output "$lib/runtime" \
  --strip-debug --no-man-pages --no-header-files --generate-cds-archive
install -m 0644 "$jar" "$lib/lib/fluke.jar"
install -m 0755 "$root/bin/fluke" "$lib/bin/fluke"
ln -s ../lib/fluke/bin/fluke "$tree/usr/bin/fluke"

# The class lists of the AppCDS archives, from a real server, agent and client commands run on the packaged
# runtime (which so proves it has every module they need). The archives themselves are dumped on the host
# by the postinst (fluke-cds-dump): this JDK accepts an archive only for the jar at the path it was made at.
"$root/scripts/cds-archive.sh" --lists-only "$lib/runtime/bin/java" "$lib/lib/fluke.jar" "$lib/lib/fluke"
chmod 0644 "$lib"/lib/*.classlist
install -m 0755 "$src/fluke-cds-dump" "$lib/bin/fluke-cds-dump"

install -m 0644 "$src/fluke-server.service" "$src/fluke-agent.service" "$tree/lib/systemd/system/"
install -m 0644 "$src/server.hcl" "$src/agent.hcl" "$tree/etc/fluke/"
install -m 0644 "$src/fluke-server.default" "$tree/etc/default/fluke-server"
install -m 0644 "$src/fluke-agent.default" "$tree/etc/default/fluke-agent"
install -m 0644 "$src/copyright" "$tree/usr/share/doc/fluke/copyright"
for doc in operations configuration cli manifest security; do
  install -m 0644 "$root/docs/$doc.md" "$tree/usr/share/doc/fluke/$doc.md"
done
install -m 0755 "$src/postinst" "$src/prerm" "$src/postrm" "$tree/DEBIAN/"
install -m 0644 "$src/conffiles" "$tree/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
sed -e "s/@VERSION@/$debversion/" -e "s/@INSTALLED_SIZE@/$size/" "$src/control.in" > "$tree/DEBIAN/control"

deb=$out/fluke_${debversion}_amd64.deb
dpkg-deb --root-owner-group -Zgzip -z6 --build "$tree" "$deb" >/dev/null
echo "package-deb: $deb ($(du -h "$deb" | cut -f1))"
