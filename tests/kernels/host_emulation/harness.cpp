// Runs the real kernel templates of kernels/selective_scan/csrc on the CPU (see cuda_runtime.h here)
// behind a C interface for ctypes: tests/kernels/test_kernel_host_emulation.py.
#include <thread>
#include <vector>

#include "selective_scan_bwd_kernel.cuh"
#include "selective_scan_fwd_kernel.cuh"

using namespace posemamba_selective_scan;

namespace {

void run_grid(const ScanParams& p, void (*kernel)(const ScanParams)) {
  for (int y = 0; y < p.batch; ++y) {
    for (int x = 0; x < p.channels; ++x) {
      host_emulation::Block block(kThreads);
      host_emulation::current_block = &block;
      std::vector<std::thread> threads;
      threads.reserve(kThreads);
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&p, kernel, t, x, y] {
          threadIdx = {unsigned(t), 0, 0};
          blockIdx = {unsigned(x), unsigned(y), 0};
          kernel(p);
        });
      }
      for (auto& thread : threads) thread.join();
    }
  }
}

ScanParams params(int dtype, int batch, int channels, int groups, int dstate, int seqlen, int softplus) {
  ScanParams p;
  p.dtype = static_cast<ScalarType>(dtype);
  p.batch = batch;
  p.channels = channels;
  p.groups = groups;
  p.dstate = dstate;
  p.seqlen = seqlen;
  p.nchunks = (seqlen + kChunk - 1) / kChunk;
  p.delta_softplus = softplus != 0;
  return p;
}

template <typename Fn>
int dispatch(ScalarType dtype, Fn&& fn) {
  switch (dtype) {
    case ScalarType::Float32:
      fn(float{});
      return 0;
    case ScalarType::Float16:
      fn(__half{});
      return 0;
    case ScalarType::BFloat16:
      fn(__nv_bfloat16{});
      return 0;
  }
  return 1;
}

}  // namespace

extern "C" int pss_chunk() { return kChunk; }

extern "C" int pss_forward(int dtype, int batch, int channels, int groups, int dstate, int seqlen, int softplus,
                           const void* u, const void* delta, const float* A, const void* B, const void* C,
                           const float* D, const float* delta_bias, void* out, float* states) {
  ScanParams p = params(dtype, batch, channels, groups, dstate, seqlen, softplus);
  p.u = u, p.delta = delta, p.A = A, p.B = B, p.C = C, p.D = D, p.delta_bias = delta_bias;
  p.out = out, p.states = states;
  return dispatch(p.dtype, [&](auto tag) { run_grid(p, forward_kernel<decltype(tag)>); });
}

extern "C" int pss_backward(int dtype, int batch, int channels, int groups, int dstate, int seqlen, int softplus,
                            const void* u, const void* delta, const float* A, const void* B, const void* C,
                            const float* D, const float* delta_bias, const void* dout, float* states, void* du,
                            void* ddelta, float* dA, float* dB, float* dC, float* dD, float* ddelta_bias) {
  ScanParams p = params(dtype, batch, channels, groups, dstate, seqlen, softplus);
  p.u = u, p.delta = delta, p.A = A, p.B = B, p.C = C, p.D = D, p.delta_bias = delta_bias;
  p.dout = dout, p.states = states, p.du = du, p.ddelta = ddelta;
  p.dA = dA, p.dB = dB, p.dC = dC, p.dD = dD, p.ddelta_bias = ddelta_bias;
  return dispatch(p.dtype, [&](auto tag) { run_grid(p, backward_kernel<decltype(tag)>); });
}
