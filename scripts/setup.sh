#!/usr/bin/env bash
# One idempotent setup: Debian packages, bpffs and tracefs, npm packages, vmlinux.h, the BPF
# objects and the TypeScript build. Safe to run again; each step is skipped when already done.
# Needs root (apt-get, mount). Set SLUICE_SETUP_QUIET=1 to print only failures.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { [ "${SLUICE_SETUP_QUIET:-0}" = 1 ] || echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (apt-get, mount, BPF): run it with sudo"

# Debian packages: the build (clang, libbpf, bpftool), the test bed (iproute2), and the real
# clients, servers and baselines that tests and benchmarks use (maven and Java 17 run the Kafka
# broker of scripts/kafka.sh).
packages=(clang llvm libbpf-dev libbpf1 bpftool iproute2 bind9-dnsutils dnsperf unbound dnsmasq-base
  iperf3 kcat iptables nftables ipset make maven openjdk-17-jre-headless liblz4-1)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d keeps the package scripts from starting system-wide unbound or dnsmasq services:
  # tests start their own resolvers inside namespaces.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  rm -f /usr/sbin/policy-rc.d; trap - EXIT
fi

# bpffs for pinned maps, tracefs for bpf_printk while debugging.
mountpoint -q /sys/fs/bpf || { say "mounting bpffs"; mount -t bpf bpf /sys/fs/bpf; }
if [ -d /sys/kernel/tracing ] && ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || say "tracefs not mounted (only needed for debugging)"
fi
[ -r /sys/kernel/btf/vmlinux ] || die "the kernel has no BTF at /sys/kernel/btf/vmlinux: CO-RE objects cannot load"

# npm packages, again only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# vmlinux.h from this kernel's BTF (CO-RE relocates field offsets at load time).
if [ ! -s bpf/vmlinux.h ]; then
  say "generating bpf/vmlinux.h"
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h.tmp && mv bpf/vmlinux.h.tmp bpf/vmlinux.h
fi

say "building bpf/ and src/"
npm run -s build
say "ready"
