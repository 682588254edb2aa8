// The interface between the torch-facing operator (selective_scan.cpp) and the CUDA kernels (*.cu).
// Plain C++ and the CUDA runtime API only: the .cu files never include torch headers, which halves
// their compile time and keeps them compilable with nothing but nvcc + CCCL
// (shared/research/kernels-feasibility.md, section 2).
#pragma once

#include <cuda_runtime_api.h>

namespace posemamba_selective_scan {

// Block shape shared by the forward and backward kernels. A sequence is processed in chunks of
// kChunk positions; the forward saves the state at the end of every chunk so the backward can
// recompute the states of one chunk at a time. Python's fake implementation mirrors kChunk
// (posemamba_selective_scan/__init__.py, CHUNK).
constexpr int kThreads = 128;
constexpr int kItems = 8;
constexpr int kChunk = kThreads * kItems;

enum class ScalarType { Float32, Float16, BFloat16 };

// All tensors are contiguous. Shapes: u, delta, out, dout, du, ddelta (batch, channels, seqlen);
// A, dA (channels, dstate); B, C, dB, dC (batch, groups, dstate, seqlen); D, delta_bias, dD,
// ddelta_bias (channels,); states (batch, channels, nchunks, dstate). Channel c uses B/C group
// c / (channels / groups). u, delta, B, C, out, dout, du, ddelta have `dtype`; everything else is float32.
struct ScanParams {
  ScalarType dtype = ScalarType::Float32;
  int batch = 0, channels = 0, groups = 0, dstate = 0, seqlen = 0, nchunks = 0;
  bool delta_softplus = true;

  const void* u = nullptr;
  const void* delta = nullptr;
  const float* A = nullptr;
  const void* B = nullptr;
  const void* C = nullptr;
  const float* D = nullptr;
  const float* delta_bias = nullptr;

  void* out = nullptr;      // forward output
  float* states = nullptr;  // written by the forward, read by the backward

  const void* dout = nullptr;  // backward inputs and outputs
  void* du = nullptr;
  void* ddelta = nullptr;
  float* dA = nullptr;  // dA, dB, dC, dD, ddelta_bias are accumulated: the caller zeroes them
  float* dB = nullptr;
  float* dC = nullptr;
  float* dD = nullptr;
  float* ddelta_bias = nullptr;
};

// The largest dstate the kernels keep per-state carries for (shared memory arrays of this size).
constexpr int kMaxDstate = 256;

cudaError_t launch_forward(const ScanParams& params, cudaStream_t stream);
cudaError_t launch_backward(const ScanParams& params, cudaStream_t stream);

}  // namespace posemamba_selective_scan
