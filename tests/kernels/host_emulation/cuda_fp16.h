// Host emulation of cuda_fp16.h: __half as GCC's _Float16 (IEEE binary16, round to nearest even).
#pragma once

struct __half {
  _Float16 value;
};
inline float __half2float(__half h) { return static_cast<float>(h.value); }
inline __half __float2half_rn(float x) { return __half{static_cast<_Float16>(x)}; }
