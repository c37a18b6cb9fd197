#!/bin/sh
# Container entry point (Dockerfile): compile bpf/ against the host kernel's BTF, mount bpffs if
# the host did not, then run `sluice` with the container's arguments (default: the agent).
set -eu
root=/opt/sluice
btf=/sys/kernel/btf/vmlinux

if [ ! -r "$btf" ]; then
  echo "sluice: no kernel BTF at $btf: mount /sys/kernel/btf from the host (the kernel needs CONFIG_DEBUG_INFO_BTF=y)" >&2
  exit 1
fi

# vmlinux.h and the objects belong to one kernel: rebuild only when its BTF changes. make rebuilds
# the objects because they depend on vmlinux.h (bpf/Makefile).
mkdir -p "$root/bpf/.output"
stamp="$root/bpf/.output/btf.sha256"
sum=$(sha256sum "$btf" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "sluice: compiling bpf/ for this kernel ($(uname -r))" >&2
  bpftool btf dump file "$btf" format c > "$root/bpf/vmlinux.h.tmp"
  mv "$root/bpf/vmlinux.h.tmp" "$root/bpf/vmlinux.h"
  make -s -C "$root/bpf"
  echo "$sum" > "$stamp"
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

exec node "$root/bin/sluice.js" "$@"
