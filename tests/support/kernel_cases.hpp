#pragma once
// What the GEMM and conv1d kernel tests (f32/f64 and bf16 alike) share: the GEMM case with its
// leading dimensions and random inputs, the conv1d window walk of the definition, and the float
// summation error bound.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/gemm.hpp"
#include "support/check.hpp"

namespace ink::test {

// C (M x N, ldc) = alpha op(A) op(B) + beta C with row-major operands; `pad` extra columns in every
// leading dimension, so that a kernel reading or writing past a row shows.
template <class T>
struct GemmCase {
    kernels::Trans ta, tb;
    index_t M, N, K;
    T alpha, beta;
    index_t pad = 0;
    index_t lda() const { return (ta == kernels::Trans::No ? K : M) + pad; }
    index_t ldb() const { return (tb == kernels::Trans::No ? N : K) + pad; }
    index_t ldc() const { return N + pad; }
    index_t a_size() const { return (ta == kernels::Trans::No ? M : K) * lda(); }
    index_t b_size() const { return (tb == kernels::Trans::No ? K : N) * ldb(); }
    // op(A)(i, k) and op(B)(k, j).
    T a(const std::vector<T>& A, index_t i, index_t k) const {
        return ta == kernels::Trans::No ? A[i * lda() + k] : A[k * lda() + i];
    }
    T b(const std::vector<T>& B, index_t k, index_t j) const {
        return tb == kernels::Trans::No ? B[k * ldb() + j] : B[j * ldb() + k];
    }
    std::string describe() const {
        std::ostringstream s;
        s << "M " << M << " N " << N << " K " << K << " ta " << int(ta) << " tb " << int(tb) << " alpha " << alpha
          << " beta " << beta << " pad " << pad;
        return s.str();
    }
};

// Random A, B and C from `seed`; C is all NaN when beta = 0 (the kernel must not read it).
template <class T>
struct GemmInputs {
    std::vector<T> A, B, C0;
    GemmInputs(const GemmCase<T>& c, std::uint64_t seed)
        : A(random_vector<T>(c.a_size(), seed)), B(random_vector<T>(c.b_size(), seed + 1)),
          C0(random_vector<T>(c.M * c.ldc(), seed + 2)) {
        if (c.beta == T(0)) std::fill(C0.begin(), C0.end(), std::numeric_limits<T>::quiet_NaN());
    }
};

// The padding columns of C are untouched (NaN compares as itself).
template <class T>
void require_padding_untouched(const GemmCase<T>& c, const std::vector<T>& C, const std::vector<T>& C0) {
    for (index_t i = 0; i < c.M; ++i)
        for (index_t j = c.N; j < c.ldc(); ++j) {
            const T got = C[i * c.ldc() + j], was = C0[i * c.ldc() + j];
            REQUIRE(((std::isnan(got) && std::isnan(was)) || got == was));
        }
}

// The definition of conv1d: fn(b, t, k, s) for every output position t of batch b and tap k whose
// input row s = t * stride + k * dilation - pad_left lies inside [0, length).
template <class Fn>
void for_each_window(const kernels::Conv1dParams& p, Fn&& fn) {
    for (index_t b = 0; b < p.batch; ++b)
        for (index_t t = 0; t < p.length_out(); ++t)
            for (index_t k = 0; k < p.kernel; ++k) {
                const index_t s = t * p.stride + k * p.dilation - p.pad_left;
                if (s >= 0 && s < p.length) fn(b, t, k, s);
            }
}

// "B2 L7 3->5 k3 stride 1 dilation 1 pad 1+1": a conv1d case for CAPTURE.
inline std::string describe(const kernels::Conv1dParams& p) {
    std::ostringstream s;
    s << 'B' << p.batch << " L" << p.length << ' ' << p.channels_in << "->" << p.channels_out << " k" << p.kernel
      << " stride " << p.stride << " dilation " << p.dilation << " pad " << p.pad_left << '+' << p.pad_right;
    return s.str();
}

// gamma(n) = n u / (1 - n u), u = 2^-24: the relative bound of n float roundings in a recursive sum
// (Higham, Accuracy and Stability of Numerical Algorithms, 3.1 and 4.2).
inline double float_summation_gamma(double n) {
    const double u = std::ldexp(1.0, -24);
    return n * u / (1 - n * u);
}

}  // namespace ink::test
