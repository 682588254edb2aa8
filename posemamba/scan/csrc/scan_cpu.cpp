// Fused selective scan for the CPU (research/posemamba-spec.md, section 5), called through ctypes.
//
// Layout: channels last. Each task owns 8 channels (one vector: GCC vector extensions, which become
// AVX2 ymm registers with -mavx2 -mfma and SSE pairs otherwise) of one batch element and walks the
// positions of every scan group ("direction") in that group's own order, with the N = 16 states of the
// 8 channels kept in registers. Delta gets its bias and the softplus in vector form; exp and log are
// short polynomials after range reduction (Cephes' expf/logf coefficients, about 1 ulp). Positions
// can be visited through an index array (`order`, optionally reversed), so the caller can scan a
// grid in several orders without materialising re-ordered copies, and the output of every group
// can be accumulated into one tensor (the merge of the model's four directions).
//
// Work is split over (batch, 8-channel block) with OpenMP; one task runs all groups of its block,
// so accumulating groups never race.

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX__)
#include <immintrin.h>
#endif

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

namespace {

constexpr int LANES = 8;

inline v8f splat(float x) { return v8f{x, x, x, x, x, x, x, x}; }

inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof(v)); }

#if defined(__AVX__)
// One instruction each; the generic ternaries below compile to compare-and-blend pairs.
inline v8f vmax(v8f a, v8f b) { return (v8f)_mm256_max_ps((__m256)a, (__m256)b); }
inline v8f vmin(v8f a, v8f b) { return (v8f)_mm256_min_ps((__m256)a, (__m256)b); }
#else
inline v8f vmax(v8f a, v8f b) { return a > b ? a : b; }
inline v8f vmin(v8f a, v8f b) { return a < b ? a : b; }
#endif

constexpr float LOG2E = 1.44269504088896341f;

// 2^x for float32: x = n + f with n = round(x), |f| <= 1/2; 2^f by a degree-6 polynomial (fitted to
// the relative error, max 1e-7), times 2^n built in the exponent bits. x is clamped to [-126, 126]:
// below, 2^-126 (1e-38) stands in for the underflow to 0, which no sum in the scan can tell apart.
template <bool NonPositive = false>
inline v8f vexp2(v8f x) {
  x = vmax(x, splat(-126.0f));
  if (!NonPositive) x = vmin(x, splat(126.0f));
  // Adding 1.5*2^23 + 127 rounds x to an integer held in the low mantissa bits, already offset by
  // the exponent bias; shifting those bits into the exponent field gives 2^n.
  const v8f magic = splat(12583039.0f);
  const v8f t = x + magic;
  const v8f f = x - (t - magic);
  v8f p = splat(1.533758477307856e-4f);
  p = p * f + splat(1.3399870367720723e-3f);
  p = p * f + splat(9.618519805371761e-3f);
  p = p * f + splat(5.550329014658928e-2f);
  p = p * f + splat(2.4022646248340607e-1f);
  p = p * f + splat(6.931471824645996e-1f);
  p = p * f + splat(1.0f);
  return p * (v8f)((v8i)t << 23);
}

inline v8f vexp(v8f x) { return vexp2(x * splat(LOG2E)); }

// log1p(t) for t in [0, 1]: log(w) with w = 1 + t, reduced to [sqrt(1/2), sqrt(2)) without forming
// w - 1 (which would lose t's low bits when t is tiny), then Cephes' logf polynomial.
inline v8f vlog1p_unit(v8f t) {
  v8f big = (v8f)(t > splat(0.41421356237f));  // all-ones lanes where 1 + t > sqrt(2)
  v8f e = (v8f)((v8i)big & (v8i)splat(1.0f));
  v8f x = t > splat(0.41421356237f) ? (t - splat(1.0f)) * splat(0.5f) : t;
  v8f z = x * x;
  v8f y = splat(7.0376836292e-2f);
  y = y * x + splat(-1.1514610310e-1f);
  y = y * x + splat(1.1676998740e-1f);
  y = y * x + splat(-1.2420140846e-1f);
  y = y * x + splat(1.4249322787e-1f);
  y = y * x + splat(-1.6668057665e-1f);
  y = y * x + splat(2.0000714765e-1f);
  y = y * x + splat(-2.4999993993e-1f);
  y = y * x + splat(3.3333331174e-1f);
  y = y * x * z;
  y = y + e * splat(-2.12194440e-4f);
  y = y - splat(0.5f) * z;
  return x + y + e * splat(0.693359375f);
}

// PyTorch's softplus (beta 1, threshold 20): x when x > 20, else log(1 + exp(x)), computed as
// max(x, 0) + log1p(exp(-|x|)) so that it neither overflows nor cancels.
inline v8f vsoftplus(v8f x) {
  v8f ax = vmax(x, -x);
  v8f sp = vmax(x, splat(0.0f)) + vlog1p_unit(vexp(-ax));
  return x > splat(20.0f) ? x : sp;
}

struct Group {
  const float* u;        // u[b*u_bs + p*u_ps + d*u_cs]
  const float* delta;    // delta[b*d_bs + p*d_ps + d*d_cs]; with dt_w: the rank-R input dt[.. + r*d_cs]
  const float* B;        // B[b*bc_bs + p*bc_ps + n*bc_ns]
  const float* C;        // C[b*bc_bs + p*bc_ps + n*bc_ns]
  float* y;              // y[b*y_bs + p*y_ps + d*y_cs]
  const float* A;        // A[d*N + n]
  const float* D;        // D[d]
  const float* bias;     // bias[d]
  const float* dt_w;     // nullptr, or (channels, rank): delta[d] = sum_r dt_w[d*rank + r] * dt[r]
  const int32_t* order;  // position visited at step t (nullptr: t itself)
  const int32_t* partner;  // nullptr, or per position p a second position q: u is u[p] + u[q]
  int reverse;           // visit the steps from L-1 down to 0
  int accumulate;        // y += result instead of y = result
};

// Element strides (batch, position, channel or state) of u, delta, B/C and y.
struct Strides {
  int64_t u_bs, u_ps, u_cs, d_bs, d_ps, d_cs, bc_bs, bc_ps, bc_ns, y_bs, y_ps, y_cs;
};

// `count` (<= 8) floats `stride` apart as one zero-padded vector.
inline v8f load_strided(const float* p, int64_t stride, int count) {
  if (stride == 1 && count == LANES) return load8(p);
  float tmp[LANES] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < count; ++i) tmp[i] = p[i * stride];
  return load8(tmp);
}

inline void store_strided(float* p, int64_t stride, int count, v8f v, bool accumulate) {
  if (stride == 1 && count == LANES) {
    store8(p, accumulate ? v + load8(p) : v);
    return;
  }
  float tmp[LANES];
  store8(tmp, v);
  for (int i = 0; i < count; ++i) p[i * stride] = accumulate ? p[i * stride] + tmp[i] : tmp[i];
}

constexpr int TILE = 32;

// NonPositive: every dt*A is <= 0 (softplus makes dt >= 0 and every A <= 0), so exp needs no upper
// clamp — one instruction less per state update, the common case (the model's A = -exp(A_logs)).
template <int N, bool NonPositive>
void scan_block(const Group& g, const Strides& s, int64_t b, int64_t d0, int count, int64_t length,
                int softplus, int runtime_n, int rank) {
  const int n_states = N > 0 ? N : runtime_n;
  constexpr int NMAX = N > 0 ? N : 64;
  // A * log2(e), transposed to (n, lane) so that one vector holds A[d0 .. d0+7, n]: exp(dt*A) is
  // then 2^(dt*A2), one multiplication less per state update.
  v8f A[NMAX];
  v8f h[NMAX];
  for (int n = 0; n < n_states; ++n) {
    float tmp[LANES] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < count; ++i) tmp[i] = g.A[(d0 + i) * n_states + n] * LOG2E;
    A[n] = load8(tmp);
    h[n] = splat(0.0f);
  }
  // The low-rank delta projection (the model's dt_projs) done here, so that the (channels, L) delta
  // of every direction is never written to memory.
  constexpr int RMAX = 16;
  v8f dt_w[RMAX];
  for (int r = 0; r < rank; ++r) dt_w[r] = load_strided(g.dt_w + d0 * rank + r, rank, count);
  const v8f Dv = load_strided(g.D + d0, 1, count);
  const v8f bias = load_strided(g.bias + d0, 1, count);
  const float* u = g.u + b * s.u_bs + d0 * s.u_cs;
  const float* delta = g.delta + b * s.d_bs + (rank == 0 ? d0 * s.d_cs : 0);
  const float* Bm = g.B + b * s.bc_bs;
  const float* Cm = g.C + b * s.bc_bs;
  float* y = g.y + b * s.y_bs + d0 * s.y_cs;
  const bool bc_dense = s.bc_ns == 1;
  // Positions in tiles: first the per-position work (softplus, Delta*u, D*u, gathering B and C) for
  // the whole tile, whose iterations are independent, then the recurrence reading only L1 buffers.
  v8f dt_buf[TILE], du_buf[TILE], acc_buf[TILE];
  float B_buf[TILE][NMAX], C_buf[TILE][NMAX];
  int64_t pos_buf[TILE];
  for (int64_t t0 = 0; t0 < length; t0 += TILE) {
    const int tile = static_cast<int>(length - t0 < TILE ? length - t0 : TILE);
    for (int i = 0; i < tile; ++i) {
      const int64_t step = g.reverse ? length - 1 - (t0 + i) : t0 + i;
      const int64_t p = g.order ? g.order[step] : step;
      v8f uu = load_strided(u + p * s.u_ps, s.u_cs, count);
      if (g.partner) uu += load_strided(u + g.partner[p] * s.u_ps, s.u_cs, count);
      v8f dt = bias;
      if (rank == 0) {
        dt += load_strided(delta + p * s.d_ps, s.d_cs, count);
      } else {
        const float* low = delta + p * s.d_ps;
        for (int r = 0; r < rank; ++r) dt += dt_w[r] * splat(low[r * s.d_cs]);
      }
      if (softplus) dt = vsoftplus(dt);
      pos_buf[i] = p;
      dt_buf[i] = dt;
      du_buf[i] = dt * uu;
      acc_buf[i] = Dv * uu;
      const float* Bp = Bm + p * s.bc_ps;
      const float* Cp = Cm + p * s.bc_ps;
      if (bc_dense) {
        std::memcpy(B_buf[i], Bp, sizeof(float) * n_states);
        std::memcpy(C_buf[i], Cp, sizeof(float) * n_states);
      } else {
        for (int n = 0; n < n_states; ++n) {
          B_buf[i][n] = Bp[n * s.bc_ns];
          C_buf[i][n] = Cp[n * s.bc_ns];
        }
      }
    }
    for (int i = 0; i < tile; ++i) {
      const v8f dt = dt_buf[i];
      const v8f du = du_buf[i];
      // Four partial sums: one chain of 16 dependent FMAs per step would be the critical path.
      v8f acc4[4] = {acc_buf[i], splat(0.0f), splat(0.0f), splat(0.0f)};
#pragma GCC unroll 16
      for (int n = 0; n < n_states; ++n) {
        h[n] = vexp2<NonPositive>(dt * A[n]) * h[n] + du * splat(B_buf[i][n]);
        acc4[n & 3] += h[n] * splat(C_buf[i][n]);
      }
      acc_buf[i] = (acc4[0] + acc4[1]) + (acc4[2] + acc4[3]);
    }
    for (int i = 0; i < tile; ++i)
      store_strided(y + pos_buf[i] * s.y_ps, s.y_cs, count, acc_buf[i], g.accumulate);
  }
}

}  // namespace

extern "C" {

int posemamba_scan_abi_version() { return 4; }

// partner[k] (may be null): u of group k at position p is u[p] + u[partner[k][p]] (the model's
// pose-limb sum, spec 4.4 step 3, without a summed copy of the grid).
// rank > 0: delta[k] holds the rank-R input of the delta projection dt_w[k] (at most 16), else
// delta itself. n_states at most 64.
// Runs `n_groups` scans that share batch, length, channels per group and state size. Group k's
// pointers are in the arrays (u[k], delta[k], ...). Tasks: (batch element, 8-channel block); each
// task runs every group for its block, in group order, so accumulation into a shared y is race-free.
void posemamba_scan(int64_t batch, int64_t length, int64_t channels, int64_t n_states, int64_t n_groups,
                    const float* const* u, const float* const* delta, const float* const* B,
                    const float* const* C, float* const* y, const float* const* A, const float* const* D,
                    const float* const* bias, const int32_t* const* order, const int32_t* reverse,
                    const int32_t* accumulate, const float* const* dt_w, int64_t rank,
                    const int32_t* const* partner,
                    const int64_t* strides, int softplus, int n_threads) {
  Strides s;
  std::memcpy(&s, strides, sizeof(s));
  const int64_t blocks = (channels + LANES - 1) / LANES;
  const int64_t tasks = batch * blocks;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t b = task / blocks;
    const int64_t d0 = (task % blocks) * LANES;
    const int count = static_cast<int>(channels - d0 < LANES ? channels - d0 : LANES);
    for (int64_t k = 0; k < n_groups; ++k) {
      const Group g{u[k], delta[k], B[k],     C[k],       y[k],       A[k],         D[k],
                    bias[k], dt_w[k], order[k], partner[k], reverse[k], accumulate[k]};
      const int r = static_cast<int>(rank);
      bool nonpositive = softplus != 0;
      for (int64_t i = 0; nonpositive && i < channels * n_states; ++i) nonpositive = A[k][i] <= 0.0f;
      if (n_states == 16)
        nonpositive ? scan_block<16, true>(g, s, b, d0, count, length, softplus, 16, r)
                    : scan_block<16, false>(g, s, b, d0, count, length, softplus, 16, r);
      else
        scan_block<0, false>(g, s, b, d0, count, length, softplus, static_cast<int>(n_states), r);
    }
  }
}

}  // extern "C"
