// Host emulation of the CUDA runtime API names that kernels/selective_scan/csrc/selective_scan.h uses.
#pragma once

enum cudaError { cudaSuccess = 0, cudaErrorInvalidValue = 1 };
typedef enum cudaError cudaError_t;
typedef struct CUstream_st* cudaStream_t;
