#!/usr/bin/env bash
# Builds callbackd and runs it in the foreground on the sample configuration with its embedded SQLite database.
# State (database, generated admin token, the configuration in use) lives in ./var. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/setup.sh server  # only what the server needs: the tests' packages come with scripts/test.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLBACKD_TESTS=OFF >/dev/null
cmake --build build --target callbackd prompts -j"$(nproc)"

mkdir -p var
config=var/callbackd.toml
if [ ! -f "$config" ]; then
  # The sample's ports may be taken on this machine (another PBX on 5060, a web server on 8080): pick free ones.
  free_port() {
    python3 -c 'import socket,sys
p=int(sys.argv[1])
for port in [p]+list(range(p+10,p+2000,2)):
    ok=True
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        for off in (0, 1):
            s=socket.socket(socket.AF_INET, kind)
            try: s.bind(("127.0.0.1", port+off))
            except OSError: ok=False
            finally: s.close()
    if ok: print(port); break' "$1"
  }
  sip_port=$(free_port 5060)
  web_port=$(free_port 8080)
  sed -e "s|^listen = \"127.0.0.1:5060\"|listen = \"127.0.0.1:${sip_port}\"|" \
      -e "s|^listen = \"127.0.0.1:8080\"|listen = \"127.0.0.1:${web_port}\"|" \
      -e "s|^sqlite = \"var/callbackd.db\"|sqlite = \"${root}/var/callbackd.db\"|" \
      config/callbackd.sample.toml > "$config"
  echo "run-server: wrote $config from config/callbackd.sample.toml"
fi
build/callbackd --check-config "$config"
sip=$(sed -n 's/^listen = "\(.*\)".*/\1/p' "$config" | sed -n 1p)
web=$(sed -n 's/^listen = "\(.*\)".*/\1/p' "$config" | sed -n 2p)
echo "run-server: SIP  sip:${sip} (UDP and TCP)"
echo "run-server: web  http://${web}/  (REST API under /api/v1; admin token in var/admin_token)"
exec build/callbackd --config "$config"
