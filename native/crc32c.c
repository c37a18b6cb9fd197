// CRC-32C (Castagnoli) with the CPU's own instruction (SSE4.2 crc32 on x86-64, the CRC extension
// on arm64), for the checksum of every Kafka record batch the forwarder sends: several megabytes
// a batch, which JavaScript tables do at about 1 GB/s and the instruction at several times that.
// src/log/kafka/crc32cNative.ts loads this through koffi and falls back to the JavaScript version
// (crc32c.ts) when the library is missing or sluice_crc32c_available() says the CPU lacks it.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define CRC_TARGET __attribute__((target("sse4.2")))
#define CRC8(c, v) ((uint32_t)_mm_crc32_u64((c), (v)))
#define CRC1(c, v) _mm_crc32_u8((c), (v))
int sluice_crc32c_available(void) { return __builtin_cpu_supports("sse4.2") != 0; }
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#define CRC_TARGET __attribute__((target("+crc")))
#define CRC8(c, v) __crc32cd((c), (v))
#define CRC1(c, v) __crc32cb((c), (v))
int sluice_crc32c_available(void) { return (getauxval(AT_HWCAP) & (1 << 7)) != 0; } // HWCAP_CRC32
#else
#define NO_CRC_INSTRUCTION
int sluice_crc32c_available(void) { return 0; }
#endif

// The finished CRC-32C of data[0, len) (initial value and final xor included, like crc32c.ts).
#ifndef NO_CRC_INSTRUCTION
CRC_TARGET uint32_t sluice_crc32c(const uint8_t *data, size_t len) {
  uint64_t crc = 0xffffffffu;
  while (len >= 8) {
    uint64_t v;
    memcpy(&v, data, 8); // unaligned load; little-endian on both targets, as CRC-32C expects
    crc = CRC8(crc, v);
    data += 8;
    len -= 8;
  }
  uint32_t c = (uint32_t)crc;
  while (len--) c = CRC1(c, *data++);
  return c ^ 0xffffffffu;
}
#else
uint32_t sluice_crc32c(const uint8_t *data, size_t len) { (void)data; (void)len; return 0; }
#endif
