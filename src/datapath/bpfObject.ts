// Opens and loads a compiled BPF object (bpf/.output/*.bpf.o) with its maps pinned by name under
// a pin root, so a restarted agent reuses the same maps (libbpf reuses a pinned map whose type
// and sizes match). The verifier log is kept on the error's `details`, the message gets a summary.
import { mkdirSync, existsSync } from 'node:fs';
import koffi from 'koffi';
import { fileURLToPath } from 'node:url';
import { SluiceError, errnoMessage } from '../errors.js';
import { libbpf, type Pointer } from './ffi/libbpf.js';
import { errno } from './ffi/libc.js';
import { BpfMap } from './bpfMap.js';

export const defaultObjectPath = fileURLToPath(new URL('../../bpf/.output/sluice.bpf.o', import.meta.url));
export const defaultPinRoot = '/sys/fs/bpf/sluice';

const LOG_SIZE = 1 << 22;

export interface LoadOptions {
  objectPath?: string;
  /** Maps declared with pinning are pinned (or reused) here. */
  pinRoot?: string;
  /** Map sizes to set before load, e.g. { flow_events: 1 << 24 }. */
  maxEntries?: Record<string, number>;
}

export class BpfObject {
  private constructor(
    private obj: Pointer | null,
    readonly path: string,
    readonly pinRoot: string,
  ) {}

  static load(options: LoadOptions = {}): BpfObject {
    const path = options.objectPath ?? defaultObjectPath;
    const pinRoot = options.pinRoot ?? defaultPinRoot;
    if (!existsSync(path)) {
      throw new SluiceError('ERR_BPF_LOAD', `open ${path}: no such file (run \`npm run build\`)`);
    }
    try {
      mkdirSync(pinRoot, { recursive: true });
    } catch (cause) {
      throw new SluiceError('ERR_BPF_PIN', `create pin root ${pinRoot}: is bpffs mounted at /sys/fs/bpf?`, { cause });
    }
    const lib = libbpf();
    const logBuf = koffi.alloc('char', LOG_SIZE);
    try {
      const obj = lib.bpf_object__open_file(path, {
        sz: koffi.sizeof(lib.types.openOpts),
        object_name: null,
        relaxed_maps: false,
        pin_root_path: pinRoot,
        _attach_prog_fd_stub: 0,
        kconfig: null,
        btf_custom_path: null,
        kernel_log_buf: logBuf,
        kernel_log_size: LOG_SIZE,
        kernel_log_level: 0,
      });
      if (!obj) throw new SluiceError('ERR_BPF_LOAD', `open ${path}: ${errnoMessage(errno())}`);
      const self = new BpfObject(obj, path, pinRoot);
      for (const [name, entries] of Object.entries(options.maxEntries ?? {})) {
        const map = lib.bpf_object__find_map_by_name(obj, name);
        if (!map) throw new SluiceError('ERR_BPF_LOAD', `set size of map ${name}: no such map in ${path}`);
        const rc = lib.bpf_map__set_max_entries(map, entries) as number;
        if (rc < 0) throw new SluiceError('ERR_BPF_LOAD', `set size of map ${name} to ${entries}: ${errnoMessage(rc)}`);
      }
      const rc = lib.bpf_object__load(obj) as number;
      if (rc < 0) {
        const log = readCString(logBuf, LOG_SIZE);
        lib.bpf_object__close(obj);
        self.obj = null;
        const hint = rc === -1 || rc === -13 ? ' (needs root or CAP_BPF and CAP_NET_ADMIN)' : '';
        const summary = log.trim().split('\n').slice(-3).join(' | ');
        throw new SluiceError('ERR_BPF_LOAD', `load ${path}: ${errnoMessage(rc)}${hint}${summary ? `: ${summary}` : ''}`, {
          details: { verifierLog: log },
        });
      }
      return self;
    } finally {
      koffi.free(logBuf);
    }
  }

  private handle(): Pointer {
    if (!this.obj) throw new SluiceError('ERR_BPF_LOAD', `${this.path}: object already closed`);
    return this.obj;
  }

  map(name: string): BpfMap {
    const lib = libbpf();
    const map = lib.bpf_object__find_map_by_name(this.handle(), name);
    if (!map) throw new SluiceError('ERR_BPF_LOAD', `map ${name}: not in ${this.path}`);
    const fd = lib.bpf_map__fd(map) as number;
    const keySize = lib.bpf_map__key_size(map) as number;
    const valueSize = lib.bpf_map__value_size(map) as number;
    return new BpfMap(name, fd, keySize, valueSize);
  }

  /** A per-CPU map: lookups return one 8-byte-aligned value per possible CPU. */
  perCpuMap(name: string): BpfMap {
    const m = this.map(name);
    const cpus = libbpf().libbpf_num_possible_cpus() as number;
    return new BpfMap(m.name, m.fd, m.keySize, Math.ceil(m.valueSize / 8) * 8, cpus);
  }

  mapMaxEntries(name: string): number {
    const map = libbpf().bpf_object__find_map_by_name(this.handle(), name);
    return map ? (libbpf().bpf_map__max_entries(map) as number) : 0;
  }

  programFd(name: string): number {
    const lib = libbpf();
    const prog = lib.bpf_object__find_program_by_name(this.handle(), name);
    if (!prog) throw new SluiceError('ERR_BPF_LOAD', `program ${name}: not in ${this.path}`);
    return lib.bpf_program__fd(prog) as number;
  }

  /** Removes the pins of the given maps: the kernel frees a map once nothing else holds it. */
  unpin(mapNames: string[]): void {
    const lib = libbpf();
    for (const name of mapNames) {
      const map = lib.bpf_object__find_map_by_name(this.handle(), name);
      if (map && lib.bpf_map__is_pinned(map)) {
        const rc = lib.bpf_map__unpin(map, null) as number;
        if (rc < 0) throw new SluiceError('ERR_BPF_PIN', `unpin ${name}: ${errnoMessage(rc)}`);
      }
    }
  }

  close(): void {
    if (this.obj) libbpf().bpf_object__close(this.obj);
    this.obj = null;
  }
}

function readCString(ptr: Pointer, max: number): string {
  const bytes = new Uint8Array(koffi.view(ptr, max));
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? max : end)).toString('utf8');
}
