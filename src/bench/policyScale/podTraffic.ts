// The pod side of the policy-scale benchmark, run inside the pod's namespace (nsenter --net):
//   node podTraffic.js flood DST SECONDS   small UDP packets, each one a new flow (see below)
//   node podTraffic.js conns DST PORT SECONDS PARALLEL   TCP: connect, one request, close
//   node podTraffic.js probe DST PORT COUNT   fresh UDP flows: microseconds to the first echo
// Each prints one JSON line. It is a separate process so that the figures do not share an event
// loop with the benchmark's orchestration.
import koffi from 'koffi';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const BATCH = 512;
const MMSGHDR = 64; // struct mmsghdr on x86-64: struct msghdr (56) + msg_len + pad
const SOCKADDR_IN = 16;
const PORT_LO = 1024;
const PORTS = 65536 - PORT_LO;
// 8 source sockets x 64,512 destination ports = 516,096 distinct 5-tuples per cycle: more than the
// datapath's conntrack LRU (262,144) holds, so a tuple is evicted before it comes round again and
// every packet takes the policy path in every system, not a conntrack shortcut.
const SOCKETS = 8;

function flood(dst: string, seconds: number): { sent: number; seconds: number } {
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  // msgvec as an address: the mmsghdr array lives in memory we built by hand, pointers and all
  const sendmmsg = lib.func('int sendmmsg(int fd, uintptr_t msgvec, unsigned int vlen, int flags)');
  const payload = koffi.alloc('uint8_t', 64);
  const iov = koffi.alloc('uint8_t', 16);
  const addrs = koffi.alloc('uint8_t', PORTS * SOCKADDR_IN);
  const msgs = koffi.alloc('uint8_t', BATCH * MMSGHDR);
  const iovView = new DataView(koffi.view(iov, 16));
  iovView.setBigUint64(0, koffi.address(payload), true);
  iovView.setBigUint64(8, 64n, true);
  const addrView = new DataView(koffi.view(addrs, PORTS * SOCKADDR_IN));
  const dstBytes = dst.split('.').map(Number);
  for (let i = 0; i < PORTS; i++) {
    const o = i * SOCKADDR_IN;
    addrView.setUint16(o, AF_INET, true);
    addrView.setUint16(o + 2, PORT_LO + i, false);
    dstBytes.forEach((b, j) => addrView.setUint8(o + 4 + j, b));
  }
  const msgView = new DataView(koffi.view(msgs, BATCH * MMSGHDR));
  const iovAddr = koffi.address(iov);
  for (let i = 0; i < BATCH; i++) {
    msgView.setUint32(i * MMSGHDR + 8, SOCKADDR_IN, true);
    msgView.setBigUint64(i * MMSGHDR + 16, iovAddr, true);
    msgView.setBigUint64(i * MMSGHDR + 24, 1n, true);
  }
  const fds: number[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const fd = socket(AF_INET, SOCK_DGRAM, 0) as number;
    if (fd < 0) throw new Error(`socket: errno ${koffi.errno()}`);
    fds.push(fd);
  }
  const addrBase = koffi.address(addrs);
  const msgAddr = koffi.address(msgs);
  let sent = 0;
  let port = 0;
  let round = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < BATCH; i++) {
      msgView.setBigUint64(i * MMSGHDR, addrBase + BigInt(port * SOCKADDR_IN), true);
      if (++port === PORTS) port = 0;
    }
    const n = sendmmsg(fds[round++ % SOCKETS]!, msgAddr, BATCH, 0) as number;
    if (n < 0) throw new Error(`sendmmsg: errno ${koffi.errno()}`);
    sent += n;
  }
  return { sent, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function conns(dst: string, port: number, seconds: number, parallel: number): Promise<{ ok: number; failed: number; seconds: number }> {
  let ok = 0;
  let failed = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const one = (): Promise<boolean> => new Promise((resolve) => {
    const s = connect({ host: dst, port });
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, 2000);
    s.once('connect', () => s.write('ping\n'));
    s.once('data', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
  });
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) {
      if (await one()) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, loop));
  return { ok, failed, seconds: (Date.now() - started) / 1000 };
}

async function probe(dst: string, port: number, count: number): Promise<{ us: number[]; failed: number }> {
  const us: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    // a new socket is a new source port: a flow no conntrack has seen
    const rtt = await new Promise<number | undefined>((resolve) => {
      const sock = createSocket('udp4');
      let t0 = 0n;
      const timer = setTimeout(() => { sock.close(); resolve(undefined); }, 1000);
      sock.once('message', () => { const d = process.hrtime.bigint() - t0; clearTimeout(timer); sock.close(); resolve(Number(d) / 1000); });
      sock.bind(0, () => { t0 = process.hrtime.bigint(); sock.send('ping\n', port, dst); });
    });
    if (rtt === undefined) failed++;
    else us.push(rtt);
  }
  return { us, failed };
}

const [mode, dst, ...rest] = process.argv.slice(2);
const nums = rest.map(Number);
let out: Promise<object> | object;
if (mode === 'flood' && dst) out = flood(dst, nums[0]!);
else if (mode === 'conns' && dst) out = conns(dst, nums[0]!, nums[1]!, nums[2]!);
else if (mode === 'probe' && dst) out = probe(dst, nums[0]!, nums[1]!);
else {
  process.stderr.write('usage: podTraffic.js flood DST SECONDS | conns DST PORT SECONDS PARALLEL | probe DST PORT COUNT\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(await out) + '\n');
