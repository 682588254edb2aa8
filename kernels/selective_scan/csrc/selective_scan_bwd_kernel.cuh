// Backward selective scan: gradients for u, delta, A, B, C, D and delta_bias.
//
// With decay_l = exp(dt_l A) and input_l = dt_l B_l u_l (per state n), the forward is
// h_l = decay_l h_{l-1} + input_l and y_l = sum_n C_l h_l + D u_l. The adjoint g_l = dL/dh_l obeys
// g_l = C_l dy_l + decay_{l+1} g_{l+1}; written with q_l = decay_l g_l it is the local recurrence
// q_l = decay_l (q_{l+1} + C_l dy_l), g_l = C_l dy_l + q_{l+1}, a reverse scan of affine maps.
// Then dC_l += dy_l h_l, dB_l += g_l dt_l u_l, du_l = D dy_l + sum_n g_l dt_l B_l,
// d dt_l = sum_n g_l (B_l u_l + A decay_l h_{l-1}), dA += g_l dt_l decay_l h_{l-1}.
// Chunks run from last to first; each one's states are recomputed from the state the forward saved
// at the end of the chunk before it. dB and dC are shared by the channels of a group and dA, dD,
// delta_bias by the batch, so those are accumulated with float32 atomics into zeroed buffers.
// The kernel template only (no launch): selective_scan_bwd.cu launches it, and
// tests/kernels/host_emulation runs this very code on the CPU.
#pragma once

#include "scan_common.cuh"

namespace posemamba_selective_scan {

// Position `local` of a chunk in the exchange buffers, padded by one word per 32 so that both the
// blocked writes (thread t, item i -> t * kItems + i) and the striped reads (k * kThreads + t) hit
// 32 different banks.
__device__ __forceinline__ int exchange_index(int local) { return local + local / 32; }
constexpr int kExchangeSize = kChunk + kChunk / 32;

template <typename T>
__global__ void __launch_bounds__(kThreads) backward_kernel(const ScanParams p) {
  __shared__ Affine warp_maps[kWarps];
  // dB and dC contributions of one chunk, transposed from blocked to striped so that the atomicAdds of
  // a warp go to consecutive addresses (scattered float atomics are much slower).
  __shared__ float exchange_dB[kExchangeSize];
  __shared__ float exchange_dC[kExchangeSize];
  __shared__ float adjoint_carry[kMaxDstate];
  __shared__ float dA_sum[kMaxDstate];
  __shared__ typename BlockSum::TempStorage reduce_storage;

  const int channel = blockIdx.x;
  const int batch = blockIdx.y;
  const int group = channel / (p.channels / p.groups);
  const size_t row = (size_t(batch) * p.channels + channel) * p.seqlen;
  const T* u_row = static_cast<const T*>(p.u) + row;
  const T* delta_row = static_cast<const T*>(p.delta) + row;
  const T* dout_row = static_cast<const T*>(p.dout) + row;
  T* du_row = static_cast<T*>(p.du) + row;
  T* ddelta_row = static_cast<T*>(p.ddelta) + row;
  const size_t bc_base = (size_t(batch) * p.groups + group) * p.dstate * p.seqlen;
  const T* B_rows = static_cast<const T*>(p.B) + bc_base;
  const T* C_rows = static_cast<const T*>(p.C) + bc_base;
  float* dB_rows = p.dB + bc_base;
  float* dC_rows = p.dC + bc_base;
  const float* A_row = p.A + size_t(channel) * p.dstate;
  const float* states = p.states + (size_t(batch) * p.channels + channel) * p.nchunks * p.dstate;
  const float D = p.D[channel];
  const float bias = p.delta_bias[channel];

  for (int n = threadIdx.x; n < p.dstate; n += kThreads) {
    adjoint_carry[n] = 0.f;  // nothing flows back from beyond the end of the sequence
    dA_sum[n] = 0.f;
  }
  __syncthreads();

  float dD_part = 0.f;
  float dbias_part = 0.f;
  for (int chunk = p.nchunks - 1; chunk >= 0; --chunk) {
    const int first = chunk * kChunk + threadIdx.x * kItems;
    float u[kItems], dt[kItems], dsoftplus[kItems], dy[kItems], du[kItems], ddt[kItems];
    load_items(u_row, first, p.seqlen, u);
    load_items(delta_row, first, p.seqlen, dt);
    load_items(dout_row, first, p.seqlen, dy);  // zero past the end: padding gets no gradient
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const bool valid = first + i < p.seqlen;
      const float x = dt[i] + bias;
      dt[i] = valid ? (p.delta_softplus ? softplus(x) : x) : 0.f;
      dsoftplus[i] = p.delta_softplus ? softplus_grad(x) : 1.f;
      du[i] = D * dy[i];
      ddt[i] = 0.f;
      dD_part += dy[i] * u[i];
    }
    for (int n = 0; n < p.dstate; ++n) {
      const float A = A_row[n];
      float Bv[kItems], Cv[kItems], decay[kItems], h_prev[kItems];
      load_items(B_rows + size_t(n) * p.seqlen, first, p.seqlen, Bv);
      load_items(C_rows + size_t(n) * p.seqlen, first, p.seqlen, Cv);
      // Recompute the states of this chunk from the one saved at the end of the previous chunk.
      Affine forward{1.f, 0.f};
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        decay[i] = expf(dt[i] * A);
        forward.b = decay[i] * forward.b + dt[i] * Bv[i] * u[i];
        forward.a *= decay[i];
      }
      const float chunk_start_state = chunk > 0 ? states[size_t(chunk - 1) * p.dstate + n] : 0.f;
      float unused_total;
      float h = block_scan_affine<false>(forward, chunk_start_state, warp_maps, unused_total);
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        h_prev[i] = h;
        h = decay[i] * h + dt[i] * Bv[i] * u[i];
      }
      // The adjoint, from the end of the chunk backwards.
      Affine backward{1.f, 0.f};
#pragma unroll
      for (int i = kItems - 1; i >= 0; --i) {
        backward.b = decay[i] * (backward.b + Cv[i] * dy[i]);
        backward.a *= decay[i];
      }
      float adjoint_at_chunk_start;
      float q = block_scan_affine<true>(backward, adjoint_carry[n], warp_maps, adjoint_at_chunk_start);
      float dA_part = 0.f;
#pragma unroll
      for (int i = kItems - 1; i >= 0; --i) {
        const float g = Cv[i] * dy[i] + q;
        const float h_i = decay[i] * h_prev[i] + dt[i] * Bv[i] * u[i];
        du[i] += g * dt[i] * Bv[i];
        ddt[i] += g * (Bv[i] * u[i] + A * decay[i] * h_prev[i]);
        dA_part += g * dt[i] * decay[i] * h_prev[i];
        const int slot = exchange_index(threadIdx.x * kItems + i);
        exchange_dB[slot] = g * dt[i] * u[i];
        exchange_dC[slot] = dy[i] * h_i;
        q = decay[i] * g;
      }
      __syncthreads();
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        const int local = k * kThreads + threadIdx.x;
        const int pos = chunk * kChunk + local;
        if (pos < p.seqlen) {
          atomicAdd(dB_rows + size_t(n) * p.seqlen + pos, exchange_dB[exchange_index(local)]);
          atomicAdd(dC_rows + size_t(n) * p.seqlen + pos, exchange_dC[exchange_index(local)]);
        }
      }
      // The exchange buffers are written again only after the barrier that ends this state.
      const float dA_block = BlockSum(reduce_storage).Sum(dA_part);
      if (threadIdx.x == 0) {
        dA_sum[n] += dA_block;
        adjoint_carry[n] = adjoint_at_chunk_start;
      }
      __syncthreads();  // reduce_storage is reused for the next state
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      ddt[i] *= dsoftplus[i];
      if (first + i < p.seqlen) dbias_part += ddt[i];
    }
    store_items(du_row, first, p.seqlen, du);
    store_items(ddelta_row, first, p.seqlen, ddt);
  }

  const float dD_block = BlockSum(reduce_storage).Sum(dD_part);
  __syncthreads();
  const float dbias_block = BlockSum(reduce_storage).Sum(dbias_part);
  if (threadIdx.x == 0) {
    atomicAdd(p.dD + channel, dD_block);
    atomicAdd(p.ddelta_bias + channel, dbias_block);
  }
  for (int n = threadIdx.x; n < p.dstate; n += kThreads) atomicAdd(p.dA + size_t(channel) * p.dstate + n, dA_sum[n]);
}

}  // namespace posemamba_selective_scan
