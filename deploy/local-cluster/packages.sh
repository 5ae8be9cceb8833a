#!/usr/bin/env bash
# The Debian packages the local cluster runs on: iproute2 (ip netns), haproxy, socat, openssl.
# Installs the missing ones with apt-get when run as root; otherwise names them and fails.
set -euo pipefail

declare -A package_of=([ip]=iproute2 [haproxy]=haproxy [socat]=socat [openssl]=openssl)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null || missing+=("${package_of[$tool]}")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} for the local cluster."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
else
  echo "The local cluster needs the Debian packages ${missing[*]}; install them as root." >&2
  exit 1
fi
