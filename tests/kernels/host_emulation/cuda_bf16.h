// Host emulation of cuda_bf16.h: bfloat16 as the top 16 bits of a float, rounded to nearest even.
#pragma once

#include <cstdint>
#include <cstring>

struct __nv_bfloat16 {
  uint16_t bits;
};
inline float __bfloat162float(__nv_bfloat16 h) {
  const uint32_t word = uint32_t(h.bits) << 16;
  float value;
  std::memcpy(&value, &word, sizeof value);
  return value;
}
inline __nv_bfloat16 __float2bfloat16_rn(float x) {
  uint32_t word;
  std::memcpy(&word, &x, sizeof word);
  if ((word & 0x7fffffffu) > 0x7f800000u) return __nv_bfloat16{uint16_t((word >> 16) | 0x40u)};  // NaN
  word += 0x7fffu + ((word >> 16) & 1u);
  return __nv_bfloat16{uint16_t(word >> 16)};
}
