// Forward selective scan (shared/research/posemamba-spec.md, section 5), per channel d and state n:
//   dt_l = softplus(delta[d, l] + delta_bias[d]);  h_l = exp(dt_l A[d, n]) h_{l-1} + dt_l B[n, l] u[d, l]
//   y[d, l] = sum_n C[n, l] h_l[n] + D[d] u[d, l]
// One block per (channel, batch); the sequence runs in chunks of kChunk positions, kItems consecutive
// positions per thread; the recurrence across threads is a block scan of affine maps, and each state's
// value at a chunk's end is carried to the next chunk and saved for the backward.
// The kernel template only (no launch): selective_scan_fwd.cu launches it, and
// tests/kernels/host_emulation runs this very code on the CPU.
#pragma once

#include "scan_common.cuh"

namespace posemamba_selective_scan {

template <typename T>
__global__ void __launch_bounds__(kThreads) forward_kernel(const ScanParams p) {
  __shared__ Affine warp_maps[kWarps];
  __shared__ float carry[kMaxDstate];

  const int channel = blockIdx.x;
  const int batch = blockIdx.y;
  const int group = channel / (p.channels / p.groups);
  const size_t row = (size_t(batch) * p.channels + channel) * p.seqlen;
  const T* u_row = static_cast<const T*>(p.u) + row;
  const T* delta_row = static_cast<const T*>(p.delta) + row;
  T* out_row = static_cast<T*>(p.out) + row;
  const size_t bc_base = (size_t(batch) * p.groups + group) * p.dstate * p.seqlen;
  const T* B_rows = static_cast<const T*>(p.B) + bc_base;
  const T* C_rows = static_cast<const T*>(p.C) + bc_base;
  const float* A_row = p.A + size_t(channel) * p.dstate;
  float* states = p.states + (size_t(batch) * p.channels + channel) * p.nchunks * p.dstate;
  const float D = p.D[channel];
  const float bias = p.delta_bias[channel];

  for (int n = threadIdx.x; n < p.dstate; n += kThreads) carry[n] = 0.f;
  __syncthreads();

  for (int chunk = 0; chunk < p.nchunks; ++chunk) {
    const int first = chunk * kChunk + threadIdx.x * kItems;
    float u[kItems], dt[kItems], y[kItems];
    load_items(u_row, first, p.seqlen, u);
    load_items(delta_row, first, p.seqlen, dt);
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const bool valid = first + i < p.seqlen;
      const float x = dt[i] + bias;
      // Padding positions get dt = 0: exp(0) = 1 and no input, so they leave the state unchanged.
      dt[i] = valid ? (p.delta_softplus ? softplus(x) : x) : 0.f;
      y[i] = D * u[i];
    }
    for (int n = 0; n < p.dstate; ++n) {
      const float A = A_row[n];
      float Bv[kItems], Cv[kItems], decay[kItems], input[kItems];
      load_items(B_rows + size_t(n) * p.seqlen, first, p.seqlen, Bv);
      load_items(C_rows + size_t(n) * p.seqlen, first, p.seqlen, Cv);
      Affine mine{1.f, 0.f};
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        decay[i] = expf(dt[i] * A);
        input[i] = dt[i] * Bv[i] * u[i];
        mine.b = decay[i] * mine.b + input[i];
        mine.a *= decay[i];
      }
      float chunk_end;
      float h = block_scan_affine<false>(mine, carry[n], warp_maps, chunk_end);
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        h = decay[i] * h + input[i];
        y[i] += Cv[i] * h;
      }
      if (threadIdx.x == 0) {
        carry[n] = chunk_end;
        states[size_t(chunk) * p.dstate + n] = chunk_end;
      }
      // carry[n] is read again only in the next chunk, after the block scans' barriers.
    }
    store_items(out_row, first, p.seqlen, y);
  }
}

}  // namespace posemamba_selective_scan
