#pragma once
// The vector arithmetic of the update rules, on the kernels' SIMD layer (kernels/detail/simd.hpp).
//
// Why not plain loops: every rule but SGD divides by sqrt(state), and with the default -fmath-errno
// GCC and Clang cannot vectorise std::sqrt (it may set errno), so a plain loop runs one element at a
// time: about 1 ms per step for the 400k parameters of the MNIST VAE. The square root below is the
// hardware's vector instruction, exact (correctly rounded) like std::sqrt.
#include <cmath>

#include "ink/kernels/detail/simd.hpp"

namespace ink::optim::detail {

using kernels::simd::Vec;

// One overload per register type the SIMD layer may pick. (The zero-masked AVX-512 forms with every
// lane selected avoid GCC 12's false "uninitialized" warning on _mm512_sqrt_ps.)
#if defined(__AVX512F__)
inline __m512 sqrt_native(__m512 a) { return _mm512_maskz_sqrt_ps(0xFFFF, a); }
inline __m512d sqrt_native(__m512d a) { return _mm512_maskz_sqrt_pd(0xFF, a); }
#endif
#if defined(__AVX2__)
inline __m256 sqrt_native(__m256 a) { return _mm256_sqrt_ps(a); }
inline __m256d sqrt_native(__m256d a) { return _mm256_sqrt_pd(a); }
#endif
inline float sqrt_native(float a) { return std::sqrt(a); }
inline double sqrt_native(double a) { return std::sqrt(a); }

template <class T>
Vec<T> sqrt(Vec<T> x) {
    return sqrt_native(x.v);
}

}  // namespace ink::optim::detail
