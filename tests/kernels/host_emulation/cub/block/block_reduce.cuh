// Host emulation of cub::BlockReduce<T, THREADS>::Sum: the sum is valid in thread 0 only and, as in
// CUB, there is no barrier after it (a kernel that reuses the storage must synchronise itself).
#pragma once

#include <cuda_runtime.h>

namespace cub {

template <typename T, int BLOCK_THREADS>
class BlockReduce {
 public:
  struct TempStorage {
    T values[BLOCK_THREADS];
  };
  explicit BlockReduce(TempStorage& storage) : storage_(storage) {}
  T Sum(T value) {
    storage_.values[threadIdx.x] = value;
    __syncthreads();
    T total{};
    if (threadIdx.x == 0)
      for (int i = 0; i < BLOCK_THREADS; ++i) total += storage_.values[i];
    return total;
  }

 private:
  TempStorage& storage_;
};

}  // namespace cub
