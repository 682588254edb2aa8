// The torch operators posemamba_selective_scan::fwd and ::bwd (TORCH_LIBRARY), their CUDA
// implementations (argument checks, output allocation, kernel launch on the current stream), and an
// empty Python module so that `import posemamba_selective_scan._C` loads the library.
// Only c10/cuda headers, not ATen/cuda/CUDAContext.h: the local CUDA 13 has no cusparse.h
// (shared/research/kernels-feasibility.md, section 2).
#include <Python.h>

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <tuple>

#include "selective_scan.h"

namespace posemamba_selective_scan {
namespace {

ScalarType scalar_type_of(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
      return ScalarType::Float32;
    case at::kHalf:
      return ScalarType::Float16;
    case at::kBFloat16:
      return ScalarType::BFloat16;
    default:
      TORCH_CHECK(false, "posemamba_selective_scan: u must be float32, float16 or bfloat16, got ", t.scalar_type());
  }
  return ScalarType::Float32;  // not reached
}

void check_tensor(const at::Tensor& t, const char* name, const at::Tensor& u, at::IntArrayRef shape,
                  bool float32) {
  TORCH_CHECK(t.is_cuda(), "posemamba_selective_scan: ", name, " must be a CUDA tensor, got ", t.device());
  TORCH_CHECK(t.device() == u.device(), "posemamba_selective_scan: ", name, " is on ", t.device(),
              " but u is on ", u.device());
  TORCH_CHECK(t.sizes() == shape, "posemamba_selective_scan: ", name, " must have shape ", shape, ", got ",
              t.sizes());
  TORCH_CHECK(t.is_contiguous(), "posemamba_selective_scan: ", name, " must be contiguous");
  const auto want = float32 ? at::kFloat : u.scalar_type();
  TORCH_CHECK(t.scalar_type() == want, "posemamba_selective_scan: ", name, " must be ", want, ", got ",
              t.scalar_type());
}

// Checks every input and fills the shape and pointer fields shared by the forward and backward.
ScanParams make_params(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A, const at::Tensor& B,
                       const at::Tensor& C, const at::Tensor& D, const at::Tensor& delta_bias, bool delta_softplus) {
  TORCH_CHECK(u.dim() == 3, "posemamba_selective_scan: u must be (batch, channels, seqlen), got ", u.sizes());
  TORCH_CHECK(A.dim() == 2, "posemamba_selective_scan: A must be (channels, dstate), got ", A.sizes());
  TORCH_CHECK(B.dim() == 4, "posemamba_selective_scan: B must be (batch, groups, dstate, seqlen), got ", B.sizes());
  const int64_t batch = u.size(0), channels = u.size(1), seqlen = u.size(2);
  const int64_t dstate = A.size(1), groups = B.size(1);
  TORCH_CHECK(batch > 0 && channels > 0 && seqlen > 0, "posemamba_selective_scan: empty input ", u.sizes());
  TORCH_CHECK(batch <= 65535 && seqlen <= (int64_t(1) << 30), "posemamba_selective_scan: batch must be <= 65535 ",
              "and seqlen <= 2^30, got ", u.sizes());
  TORCH_CHECK(dstate >= 1 && dstate <= kMaxDstate, "posemamba_selective_scan: dstate must be 1..", kMaxDstate,
              ", got ", dstate);
  TORCH_CHECK(groups >= 1 && channels % groups == 0, "posemamba_selective_scan: channels (", channels,
              ") must be a multiple of the groups of B and C (", groups, ")");
  check_tensor(u, "u", u, u.sizes(), false);
  check_tensor(delta, "delta", u, u.sizes(), false);
  check_tensor(A, "A", u, {channels, dstate}, true);
  check_tensor(B, "B", u, {batch, groups, dstate, seqlen}, false);
  check_tensor(C, "C", u, {batch, groups, dstate, seqlen}, false);
  check_tensor(D, "D", u, {channels}, true);
  check_tensor(delta_bias, "delta_bias", u, {channels}, true);
  ScanParams p;
  p.dtype = scalar_type_of(u);
  p.batch = static_cast<int>(batch);
  p.channels = static_cast<int>(channels);
  p.seqlen = static_cast<int>(seqlen);
  p.dstate = static_cast<int>(dstate);
  p.groups = static_cast<int>(groups);
  p.nchunks = static_cast<int>((seqlen + kChunk - 1) / kChunk);
  p.delta_softplus = delta_softplus;
  p.u = u.data_ptr();
  p.delta = delta.data_ptr();
  p.A = A.data_ptr<float>();
  p.B = B.data_ptr();
  p.C = C.data_ptr();
  p.D = D.data_ptr<float>();
  p.delta_bias = delta_bias.data_ptr<float>();
  return p;
}

std::tuple<at::Tensor, at::Tensor> fwd_cuda(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                            const at::Tensor& B, const at::Tensor& C, const at::Tensor& D,
                                            const at::Tensor& delta_bias, bool delta_softplus) {
  ScanParams p = make_params(u, delta, A, B, C, D, delta_bias, delta_softplus);
  const c10::cuda::CUDAGuard guard(u.device());
  at::Tensor out = at::empty_like(u);
  at::Tensor states = at::empty({u.size(0), u.size(1), int64_t(p.nchunks), A.size(1)}, u.options().dtype(at::kFloat));
  p.out = out.data_ptr();
  p.states = states.data_ptr<float>();
  C10_CUDA_CHECK(launch_forward(p, c10::cuda::getCurrentCUDAStream().stream()));
  return {out, states};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> bwd_cuda(
    const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A, const at::Tensor& B, const at::Tensor& C,
    const at::Tensor& D, const at::Tensor& delta_bias, const at::Tensor& dout, const at::Tensor& states,
    bool delta_softplus) {
  ScanParams p = make_params(u, delta, A, B, C, D, delta_bias, delta_softplus);
  check_tensor(dout, "dout", u, u.sizes(), false);
  check_tensor(states, "states", u, {u.size(0), u.size(1), int64_t(p.nchunks), A.size(1)}, true);
  const c10::cuda::CUDAGuard guard(u.device());
  const auto f32 = u.options().dtype(at::kFloat);
  at::Tensor du = at::empty_like(u);
  at::Tensor ddelta = at::empty_like(delta);
  at::Tensor dA = at::zeros(A.sizes(), f32);
  at::Tensor dB = at::zeros(B.sizes(), f32);
  at::Tensor dC = at::zeros(C.sizes(), f32);
  at::Tensor dD = at::zeros(D.sizes(), f32);
  at::Tensor ddelta_bias = at::zeros(delta_bias.sizes(), f32);
  p.dout = dout.data_ptr();
  p.states = states.data_ptr<float>();
  p.du = du.data_ptr();
  p.ddelta = ddelta.data_ptr();
  p.dA = dA.data_ptr<float>();
  p.dB = dB.data_ptr<float>();
  p.dC = dC.data_ptr<float>();
  p.dD = dD.data_ptr<float>();
  p.ddelta_bias = ddelta_bias.data_ptr<float>();
  C10_CUDA_CHECK(launch_backward(p, c10::cuda::getCurrentCUDAStream().stream()));
  return {du, ddelta, dA, dB, dC, dD, ddelta_bias};
}

}  // namespace

// The schema is the contract with Python (posemamba_selective_scan/__init__.py registers the fake
// implementations; posemamba/scan/cuda.py calls the ops). dB and dC come back as float32.
TORCH_LIBRARY(posemamba_selective_scan, m) {
  m.def(
      "fwd(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor delta_bias, "
      "bool delta_softplus) -> (Tensor out, Tensor states)");
  m.def(
      "bwd(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor delta_bias, Tensor dout, "
      "Tensor states, bool delta_softplus) -> (Tensor du, Tensor ddelta, Tensor dA, Tensor dB, Tensor dC, "
      "Tensor dD, Tensor ddelta_bias)");
  m.def("chunk_size() -> int", []() -> int64_t { return kChunk; });
}

TORCH_LIBRARY_IMPL(posemamba_selective_scan, CUDA, m) {
  m.impl("fwd", &fwd_cuda);
  m.impl("bwd", &bwd_cuda);
}

}  // namespace posemamba_selective_scan

// `import posemamba_selective_scan._C` loads this library (and so runs the registrations above).
extern "C" PyMODINIT_FUNC PyInit__C(void) {
  static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_C", "posemamba_selective_scan operators", -1,
                                      nullptr};
  return PyModule_Create(&module);
}
