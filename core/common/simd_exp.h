// simd_exp: a vectorized e^x for x ≤ 0 on four doubles (AVX2 + FMA), shared by the kernel sums of
// KSD (core/metrics/ksd.cpp) and SVGD (core/samplers/svgd_kernel.cpp), whose RBF kernels only
// ever need exponentials of non-positive arguments. Available when SS_HAVE_SIMD_EXP is defined
// (the Release build targets x86-64-v3); otherwise callers use their scalar loops.
#pragma once

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define SS_HAVE_SIMD_EXP 1

namespace ss::simd {

/// e^x lane by lane for x ≤ 0. Cody–Waite reduction x = k·ln2 + r (|r| ≤ ln2/2, ln2 split in two
/// parts), e^r by its Taylor polynomial to r¹³/13! (truncation < 2e-16 relative), 2^k assembled
/// in the exponent bits. Accuracy about 1–2 ulp on [−708, 0] (tests/common/simd_exp_test.cpp).
/// x < −708, −inf included, gives exactly 0 (the true value is below 3.3e-308); NaN propagates,
/// so callers' non-finite checks still see it. Positive x is outside the contract.
/// `Degree` < 13 truncates the polynomial for callers that need less. Truncation error (Taylor
/// remainder with |r| ≤ ln2/2): (ln2/2)^(D+1)/(D+1)! · e^(ln2/2) relative, i.e. 3.1e-13 at
/// D = 10 (used by the MLP's SiLU) and 1.1e-17 at D = 13.
template <int Degree = 13>
inline __m256d exp_nonpositive(__m256d x) {
  static_assert(Degree >= 6 && Degree <= 13, "exp_nonpositive: Degree in [6, 13]");
  const __m256d shifter = _mm256_set1_pd(0x1.8p52);  // 1.5·2^52: adding it rounds to integer
  const __m256d t = _mm256_fmadd_pd(x, _mm256_set1_pd(1.4426950408889634), shifter);
  const __m256d k = _mm256_sub_pd(t, shifter);
  __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(6.93147180369123816490e-01), x);
  r = _mm256_fnmadd_pd(k, _mm256_set1_pd(1.90821492927058770002e-10), r);
  static constexpr double kInvFactorial[14] = {1.0,
                                               1.0,
                                               1.0 / 2,
                                               1.0 / 6,
                                               1.0 / 24,
                                               1.0 / 120,
                                               1.0 / 720,
                                               1.0 / 5040,
                                               1.0 / 40320,
                                               1.0 / 362880,
                                               1.0 / 3628800,
                                               1.0 / 39916800,
                                               1.0 / 479001600,
                                               1.0 / 6227020800.0};
  __m256d p = _mm256_set1_pd(kInvFactorial[Degree]);
  for (int d = Degree - 1; d >= 0; --d) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInvFactorial[d]));
  // The low mantissa bits of t hold 2^51 + k; (that + 1023) << 52 is the bit pattern of 2^k.
  const __m256i bits =
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)), 52);
  const __m256d result = _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
  const __m256d underflow = _mm256_cmp_pd(x, _mm256_set1_pd(-708.0), _CMP_LT_OQ);
  return _mm256_andnot_pd(underflow, result);
}

/// Sum of the four lanes in a fixed order ((a0 + a1) + (a2 + a3)), so results do not depend on
/// how a compiler would reassociate a reduction.
inline double hsum(__m256d v) {
  alignas(32) double a[4];
  _mm256_store_pd(a, v);
  return (a[0] + a[1]) + (a[2] + a[3]);
}

}  // namespace ss::simd

#endif
