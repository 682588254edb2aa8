// Launches the forward kernel of selective_scan_fwd_kernel.cuh for each input dtype.
#include "selective_scan_fwd_kernel.cuh"

namespace posemamba_selective_scan {

template <typename T>
static cudaError_t launch_forward_typed(const ScanParams& p, cudaStream_t stream) {
  const dim3 grid(p.channels, p.batch);
  forward_kernel<T><<<grid, kThreads, 0, stream>>>(p);
  return cudaGetLastError();
}

cudaError_t launch_forward(const ScanParams& p, cudaStream_t stream) {
  if (p.dstate > kMaxDstate || p.groups <= 0 || p.channels % p.groups != 0) return cudaErrorInvalidValue;
  switch (p.dtype) {
    case ScalarType::Float32:
      return launch_forward_typed<float>(p, stream);
    case ScalarType::Float16:
      return launch_forward_typed<__half>(p, stream);
    case ScalarType::BFloat16:
      return launch_forward_typed<__nv_bfloat16>(p, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace posemamba_selective_scan
