// Host emulation of the CUDA built-ins the selective-scan kernels use, so that the kernel templates
// (kernels/selective_scan/csrc/*_kernel.cuh) run unchanged on the CPU: one std::thread per CUDA
// thread, one block at a time (so `__shared__` becomes a function-local `static`), __syncthreads as
// a block barrier, warp shuffles through a per-block exchange buffer with a warp barrier on each side.
#pragma once

#include <math.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <vector>

#include "cuda_runtime_api.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct EmulatedDim3 {
  unsigned x = 0, y = 0, z = 0;
};
inline thread_local EmulatedDim3 threadIdx;
inline thread_local EmulatedDim3 blockIdx;

namespace host_emulation {

struct Block {
  explicit Block(int threads) : block_barrier(threads), exchange(threads) {
    for (int w = 0; w < threads / 32; ++w) warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
  }
  std::barrier<> block_barrier;
  std::vector<std::unique_ptr<std::barrier<>>> warp_barriers;
  std::vector<float> exchange;
};

inline Block* current_block = nullptr;

// CUDA semantics: a lane whose source lane is outside the warp gets its own value back.
inline float shuffle(float value, int offset) {
  Block& b = *current_block;
  const int t = static_cast<int>(threadIdx.x);
  const int lane = t & 31;
  auto& warp = *b.warp_barriers[t >> 5];
  b.exchange[t] = value;
  warp.arrive_and_wait();
  const int source = lane + offset;
  const float result = (source >= 0 && source < 32) ? b.exchange[t + offset] : value;
  warp.arrive_and_wait();
  return result;
}

}  // namespace host_emulation

inline void __syncthreads() { host_emulation::current_block->block_barrier.arrive_and_wait(); }
inline float __shfl_up_sync(unsigned, float value, int offset) { return host_emulation::shuffle(value, -offset); }
inline float __shfl_down_sync(unsigned, float value, int offset) { return host_emulation::shuffle(value, offset); }
inline float atomicAdd(float* address, float value) { return std::atomic_ref<float>(*address).fetch_add(value); }
