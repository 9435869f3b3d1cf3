#!/usr/bin/env bash
# Installs the Debian packages samplescope needs to build, run and test. Idempotent: prints
# nothing and changes nothing when everything is present. Uses sudo only when not root.
# The image already has g++, cmake, GoogleTest and Google Benchmark; they are listed anyway so a
# bare Debian 12 machine works too.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libtbb-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libbenchmark-dev
  libimgui-dev libglfw3-dev libgl-dev libstb-dev libgif-dev
  xvfb xauth
  parallel appstream desktop-file-utils
  clang libclang-rt-14-dev clang-format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "samplescope: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; then
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
