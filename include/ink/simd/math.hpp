#pragma once
// Vectorised transcendental functions on simd::Vec, written once for every instruction set.
//
// float: Cephes-style range reductions; the polynomials of log and tanh are Cephes' logf and tanhf,
// exp's is a degree-6 fit for relative error (Lawson-weighted least squares, 2e-9 before rounding,
// one FMA fewer than Cephes' expf at the same accuracy). Measured over the whole range, subnormal
// results included (tests/kernels/test_elementwise.cpp): exp 1.0 ulp, log 0.8, tanh 1.5,
// sigmoid 2.4, softplus 2.7; IEEE special values (exp(-inf) = 0, log(0) = -inf, NaN in, NaN out).
// double: std:: functions lane by lane (exact to the C library's accuracy; double is the reference
// precision here, not the fast path).
#include <cmath>
#include <limits>

#include "ink/simd/vec.hpp"

namespace ink::simd {

using VecF = Vec<float>;
using VecD = Vec<double>;

// Applies a scalar function to each lane.
template <class F>
VecD apply(VecD v, F f) {
    double lanes[VecD::width];
    v.store(lanes);
    for (double& a : lanes) a = f(a);
    return VecD::load(lanes);
}

// p(x) = c[0] + c[1] x + ... by Horner's rule, coefficients given from the highest degree down.
template <class... C>
VecF horner(VecF x, float highest, C... lower) {
    VecF p(highest);
    ((p = fma(p, x, VecF(lower))), ...);
    return p;
}

// exp(x) for x in [-104, 89] (or NaN). Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in
// two so that n ln2 is exact), exp(r) by a degree-6 polynomial in Horner form, then a scaling by 2^n
// that over/underflows like the true function (x > 88.73 gives inf, x < -103.3 gives 0).
inline VecF exp_in_range(VecF x) {
    const VecF n = VecF(isa::round((x * VecF(1.44269504088896341f)).v));
    VecF r = fma(n, VecF(-0.693359375f), x);
    r = fma(n, VecF(2.12194440e-4f), r);
    const VecF p = horner(r, 1.384365372e-3f, 8.374155499e-3f, 4.166800156e-2f, 1.666643173e-1f, 4.999999404e-1f,
                          1.0f, 1.0f);
    return isa::ldexp(p.v, n.v);
}

// exp(x) for any x. Beyond the clamp bounds the result is inf or 0 anyway; the operand order of
// max/min passes NaN through.
inline VecF exp(VecF x) { return exp_in_range(min(VecF(89.0f), max(VecF(-104.0f), x))); }

// exp(x) for x <= 0 (e.g. x - max(x) in a softmax): one clamp fewer.
inline VecF exp_nonpositive(VecF x) { return exp_in_range(max(VecF(-104.0f), x)); }

// log(x). x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 + f^3 P(f) with f = m - 1.
inline VecF log(VecF x) {
    VecF m = isa::mantissa(x.v);  // [1, 2)
    VecF e = isa::exponent(x.v);
    const auto big = VecF(1.41421356237309505f) < m;
    m = select(big, m * VecF(0.5f), m);
    e = select(big, e + VecF(1.0f), e);
    const VecF f = m - VecF(1.0f);
    const VecF f2 = f * f;
    const VecF p = horner(f, 7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f,
                          1.4249322787e-1f, -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f,
                          3.3333331174e-1f);
    VecF y = fma(p * f, f2, e * VecF(-2.12194440e-4f));
    y = fma(VecF(-0.5f), f2, y);
    VecF r = fma(e, VecF(0.693359375f), f + y);

    constexpr float inf = std::numeric_limits<float>::infinity();
    r = select(x == VecF(0.0f), VecF(-inf), r);
    r = select(x == VecF(inf), VecF(inf), r);
    r = select(x < VecF(0.0f), VecF(std::numeric_limits<float>::quiet_NaN()), r);
    return select(x == x, r, x);  // NaN in, NaN out
}

// log(1 + u) for finite u > -1, without the cancellation of log(1 + u) for small u: with w = 1 + u
// rounded, log(w) * u / (w - 1) corrects for the rounding of w (Goldberg's trick).
inline VecF log1p(VecF u) {
    const VecF w = u + VecF(1.0f);
    const VecF d = w - VecF(1.0f);
    return select(d == VecF(0.0f), u, log(w) * (u / d));
}

// 1 / (1 + exp(-x)), from e = exp(-|x|) <= 1 so that nothing overflows and small results keep
// their relative accuracy: sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0.
inline VecF sigmoid(VecF x) {
    const VecF e = exp_nonpositive(-abs(x));
    const VecF r = VecF(1.0f) / (VecF(1.0f) + e);
    return select(x < VecF(0.0f), e * r, r);
}

// tanh(x): an odd polynomial for |x| < 0.625 (where the formula below would cancel), else
// (1 - e) / (1 + e) with e = exp(-2|x|) <= 0.29, with the sign restored.
inline VecF tanh(VecF x) {
    const VecF a = abs(x);
    const VecF z = x * x;
    const VecF small = fma(horner(z, -5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f,
                                  1.33314422036e-1f, -3.33332819422e-1f) * z,
                           x, x);
    const VecF e = exp_nonpositive(-(a + a));
    const VecF big = (VecF(1.0f) - e) / (VecF(1.0f) + e);
    return select(a < VecF(0.625f), small, select(x < VecF(0.0f), -big, big));
}

// softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): never overflows.
inline VecF softplus(VecF x) { return max(x, VecF(0.0f)) + log1p(exp_nonpositive(-abs(x))); }

inline VecD exp(VecD x) { return apply(x, [](double a) { return std::exp(a); }); }
inline VecD exp_nonpositive(VecD x) { return exp(x); }
inline VecD log(VecD x) { return apply(x, [](double a) { return std::log(a); }); }
inline VecD log1p(VecD x) { return apply(x, [](double a) { return std::log1p(a); }); }
inline VecD tanh(VecD x) { return apply(x, [](double a) { return std::tanh(a); }); }
inline VecD sigmoid(VecD x) {
    return apply(x, [](double a) {
        const double e = std::exp(-std::abs(a));
        return a < 0 ? e / (1 + e) : 1 / (1 + e);
    });
}
inline VecD softplus(VecD x) {
    return apply(x, [](double a) { return std::max(a, 0.0) + std::log1p(std::exp(-std::abs(a))); });
}

}  // namespace ink::simd
