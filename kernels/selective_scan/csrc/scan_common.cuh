// Device helpers shared by the forward and backward kernels: dtype conversion, softplus, chunk
// loads/stores and a block-wide scan of the affine maps h -> a*h + b in either direction.
//
// Portability (shared/research/kernels-feasibility.md, section 3): this code must compile unchanged
// with CUDA 12.8 (CCCL 2.7) and CUDA 13.0 (CCCL 3.0). It therefore uses no CUB name that CCCL 3.0
// removed (cub::Sum/Max/Min, LaneId, WarpId, CTA_SYNC, WARP_SYNC, CUB_MAX, ...) and no name that CCCL
// 2.7 lacks (cuda::maximum/minimum; the kernels need no max at all). The only CUB piece is
// BlockReduce::Sum, which both versions have; the scans are written here with warp shuffles and
// __syncthreads.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cub/block/block_reduce.cuh>

#include "selective_scan.h"

namespace posemamba_selective_scan {

constexpr int kWarps = kThreads / 32;
static_assert(kThreads % 32 == 0, "the block must be whole warps");
constexpr unsigned kFullMask = 0xffffffffu;

template <typename T>
__device__ __forceinline__ float to_float(T x);
template <>
__device__ __forceinline__ float to_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ float to_float<__half>(__half x) {
  return __half2float(x);
}
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 x) {
  return __bfloat162float(x);
}

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// PyTorch's softplus with its default threshold 20: x above it is returned unchanged
// (shared/research/posemamba-spec.md, section 5).
__device__ __forceinline__ float softplus(float x) { return x > 20.f ? x : log1pf(expf(x)); }
// d softplus / dx, consistent with the threshold above.
__device__ __forceinline__ float softplus_grad(float x) { return x > 20.f ? 1.f : 1.f / (1.f + expf(-x)); }

// Loads kItems consecutive positions [first, first + kItems) of one row as floats; positions at or
// past `seqlen` read as zero.
template <typename T>
__device__ __forceinline__ void load_items(const T* row, int first, int seqlen, float (&items)[kItems]) {
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int pos = first + i;
    items[i] = pos < seqlen ? to_float(row[pos]) : 0.f;
  }
}

template <typename T>
__device__ __forceinline__ void store_items(T* row, int first, int seqlen, const float (&items)[kItems]) {
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int pos = first + i;
    if (pos < seqlen) row[pos] = from_float<T>(items[i]);
  }
}

// One affine map h -> a*h + b (a thread's, warp's or chunk's share of the recurrence).
struct Affine {
  float a;
  float b;
};

// Block-wide exclusive scan of affine maps, one per thread, applied to `carry`.
// Forward (Reverse = false): thread t gets the state after applying the maps of threads 0..t-1 to
// `carry`, i.e. the state entering its first position. Reverse: the maps of threads t+1..last, for
// the adjoint recurrence that runs from the end of the sequence to its start.
// `total` receives all maps applied to `carry` (the carry of the next chunk). `warp_maps` is shared
// memory of kWarps entries; the function synchronises the block before it returns, so the caller
// may call it again at once.
template <bool Reverse>
__device__ __forceinline__ float block_scan_affine(Affine mine, float carry, Affine* warp_maps,
                                                   float& total) {
  const int lane = threadIdx.x & 31;  // not cub::LaneId(): CCCL 3.0 removed it
  const int warp = threadIdx.x >> 5;
  float a = mine.a;
  float b = mine.b;
  // Inclusive scan inside the warp. Composition order: the map nearer the start of the scan
  // direction is applied first.
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const float other_a = Reverse ? __shfl_down_sync(kFullMask, a, offset) : __shfl_up_sync(kFullMask, a, offset);
    const float other_b = Reverse ? __shfl_down_sync(kFullMask, b, offset) : __shfl_up_sync(kFullMask, b, offset);
    const bool has_other = Reverse ? lane + offset < 32 : lane >= offset;
    if (has_other) {
      b = a * other_b + b;
      a = a * other_a;
    }
  }
  if (lane == (Reverse ? 0 : 31)) warp_maps[warp] = Affine{a, b};
  // The exclusive map of this lane is the inclusive map of its neighbour in scan order.
  float excl_a = Reverse ? __shfl_down_sync(kFullMask, a, 1) : __shfl_up_sync(kFullMask, a, 1);
  float excl_b = Reverse ? __shfl_down_sync(kFullMask, b, 1) : __shfl_up_sync(kFullMask, b, 1);
  if (lane == (Reverse ? 31 : 0)) {
    excl_a = 1.f;
    excl_b = 0.f;
  }
  __syncthreads();
  float h = carry;  // the state entering this warp
  float all = carry;
#pragma unroll
  for (int step = 0; step < kWarps; ++step) {
    const int w = Reverse ? kWarps - 1 - step : step;
    const Affine m = warp_maps[w];
    if (Reverse ? w > warp : w < warp) h = m.a * h + m.b;
    all = m.a * all + m.b;
  }
  total = all;
  __syncthreads();
  return excl_a * h + excl_b;
}

// Sum over the block, valid in thread 0 (BlockReduce::Sum; the functor cub::Sum() is gone in CCCL 3.0).
using BlockSum = cub::BlockReduce<float, kThreads>;

}  // namespace posemamba_selective_scan
