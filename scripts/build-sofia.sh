#!/usr/bin/env bash
# Rebuilds Debian's Sofia-SIP source package with callbackd's patches (third_party/sofia-sip/) and installs it,
# unless the installed libsofia-sip-ua0 already carries our version suffix. See third_party/sofia-sip/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
suffix="+callbackd1"
installed=$(dpkg-query -W -f='${Version}' libsofia-sip-ua0 2>/dev/null || true)
dev=$(dpkg-query -W -f='${Version}' libsofia-sip-ua-dev 2>/dev/null || true)
if [[ "$installed" == *"$suffix" && "$dev" == *"$suffix" ]]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: building Sofia-SIP with callbackd's patches (once per machine)"
sources=/etc/apt/sources.list.d/callbackd-deb-src.sources
if ! apt-get source --print-uris sofia-sip >/dev/null 2>&1; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $SUDO tee "$sources" >/dev/null
  $SUDO apt-get update -q
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends >/dev/null \
  dpkg-dev debhelper libglib2.0-dev libssl-dev pkg-kde-tools fakeroot
work=$(mktemp -d /tmp/callbackd-sofia.XXXXXX)
trap 'rm -rf "$work"' EXIT
patches=$(pwd)/third_party/sofia-sip
(
  cd "$work"
  apt-get source -q sofia-sip >/dev/null 2>&1
  cd sofia-sip-*/
  for p in "$patches"/*.patch; do
    cp "$p" debian/patches/
    basename "$p" >>debian/patches/series
    patch -p1 --quiet <"$p"
  done
  base=$(dpkg-parsechangelog -S Version)
  {
    echo "sofia-sip (${base}${suffix}) bookworm; urgency=medium"
    echo
    echo "  * callbackd's patches: see third_party/sofia-sip/README.md in callbackd."
    echo
    echo " -- callbackd <callbackd@localhost>  $(date -R)"
    echo
    cat debian/changelog
  } >debian/changelog.new
  mv debian/changelog.new debian/changelog
  DEB_BUILD_OPTIONS="nocheck nodoc parallel=$(nproc)" dpkg-buildpackage -B -uc -us -d >"$work/build.log" 2>&1 ||
    { tail -50 "$work/build.log"; exit 1; }
)
$SUDO dpkg -i "$work"/libsofia-sip-ua0_*.deb "$work"/libsofia-sip-ua-dev_*.deb >/dev/null
echo "setup: Sofia-SIP $(dpkg-query -W -f='${Version}' libsofia-sip-ua0) installed"
