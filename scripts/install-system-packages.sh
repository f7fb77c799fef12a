#!/usr/bin/env bash
# Installs the Debian or Ubuntu packages that building Policy Workshop and
# opening its window need: a C toolchain for crates with C code, and the X11,
# Wayland and OpenGL (Mesa) libraries that the window loads at run time.
# Packages already present are skipped, so the script is quick to re-run.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libxkbcommon0
  libwayland-client0 libwayland-cursor0 libwayland-egl1
  libgl1 libglx-mesa0 libgl1-mesa-dri libegl1
)
if [[ "${1:-}" == "--with-xvfb" ]]; then
  # A virtual display and tools to drive and capture the real window.
  packages+=(xvfb xdotool imagemagick)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "Installing system packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
