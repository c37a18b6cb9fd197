# syntax=docker/dockerfile:1
# The Sluice agent for hosts with Docker (docker-compose.yml runs it privileged, on the host's
# network and PID namespaces, with bpffs and the kernel's BTF mounted).
#
# Why the BPF toolchain is in the runtime image: bpf/vmlinux.h must describe the kernel the
# programs load into. An image is built once and runs on many hosts, and the build machine's
# kernel (often a CI runner or Docker Desktop's VM) may differ from, or lack the BTF of, the host
# that runs it. So the container compiles bpf/ at start from the host's /sys/kernel/btf/vmlinux
# (mounted read-only) and recompiles only when that BTF changes (scripts/docker-entrypoint.sh).
# The TypeScript build needs no kernel and happens in the build stage.

FROM node:20-bookworm AS build
WORKDIR /opt/sluice
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# native/: the CPU-instruction CRC-32C for Kafka batches (optional: JavaScript without it)
COPY native ./native
RUN make -s -C native && npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm
# libbpf1, liblz4-1: loaded through koffi at run time (the datapath; Kafka's lz4 batches);
# iproute2: tc and ip netns; clang, llvm, libbpf-dev, bpftool, make: the start-time compile of
# bpf/ described above.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 liblz4-1 iproute2 clang llvm libbpf-dev bpftool make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/sluice
COPY --from=build /opt/sluice/node_modules ./node_modules
COPY --from=build /opt/sluice/dist ./dist
COPY --from=build /opt/sluice/native/.output ./native/.output
COPY package.json ./
COPY bin ./bin
COPY bpf ./bpf
COPY streams ./streams
COPY scripts/docker-entrypoint.sh /usr/local/bin/sluice-entrypoint
ENTRYPOINT ["/usr/local/bin/sluice-entrypoint"]
CMD ["agent", "--config", "/etc/sluice/agent.yaml"]
