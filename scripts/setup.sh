#!/usr/bin/env bash
# Takes a fresh Debian bookworm machine (as root) to a built tree. Idempotent:
# packages are installed only when missing, mounts only when absent, and the
# build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential meson ninja-build pkg-config python3
  clang llvm libclang-rt-14-dev clang-format
  libabsl-dev libyaml-cpp-dev libpcap-dev nlohmann-json3-dev libsqlite3-dev libboost-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc etcd-server
  libbpf-dev bpftool linux-libc-dev
  iproute2 tcpdump ethtool iputils-ping curl
  iptables nftables conntrack gnuplot-nox openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpffs and hugetlbfs: the BPF engine pins maps, the DPDK engine wants hugepages.
if ! mountpoint -q /sys/fs/bpf; then mount -t bpf bpf /sys/fs/bpf || echo "setup: warning: cannot mount bpffs"; fi
if ! grep -q " hugetlbfs " /proc/mounts; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs nodev /dev/hugepages || echo "setup: warning: cannot mount hugetlbfs"
fi

BUILD_DIR=${BUILD_DIR:-build}
meson_args=()
if [[ "${CI:-}" == "true" ]]; then meson_args+=(-Dwerror_ci=true); fi
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  meson setup "$BUILD_DIR" "${meson_args[@]}" >/dev/null
elif ((${#meson_args[@]})); then
  meson configure "$BUILD_DIR" "${meson_args[@]}" >/dev/null
fi
if ! ninja -C "$BUILD_DIR" >"$BUILD_DIR/setup-build.log" 2>&1; then
  grep -E "error|FAILED" "$BUILD_DIR/setup-build.log" | head -40
  echo "setup: the build failed; see $BUILD_DIR/setup-build.log"
  exit 1
fi
echo "setup: built in $BUILD_DIR"
