#pragma once
// The standard normal distribution's quantile function (inverse CDF), Phi^-1(p).
//
// Latent-space pictures place a grid at normal quantiles, so that equal steps in probability (e.g.
// linspace(0.05, 0.95, 15)) cover the prior evenly: the role of scipy.stats.norm.ppf in the original
// Keras examples. Acklam's rational approximation (relative error below 1.2e-9) is polished by one
// Halley step on Phi(x) - p, computed with erfc, which brings it to about double precision.
#include <cmath>
#include <limits>
#include <numbers>

#include "ink/core/error.hpp"

namespace ink::util {

// Phi(x) = P(N(0, 1) <= x).
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// Phi^-1(p) for p in [0, 1]: -inf at 0, +inf at 1.
inline double normal_quantile(double p) {
    INK_CHECK(p >= 0.0 && p <= 1.0, "normal_quantile: expected a probability in [0, 1], got ", p);
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    // Acklam's coefficients: a central rational function and one for each tail.
    constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                            1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                            6.680131188771972e+01,  -1.328068155288572e+01};
    constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                            -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00};
    constexpr double low = 0.02425;
    double x;
    if (p < low || p > 1.0 - low) {
        const double q = std::sqrt(-2.0 * std::log(p < low ? p : 1.0 - p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
        if (p > 1.0 - low) x = -x;
    } else {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    // Halley's step: e = Phi(x) - p, u = e / phi(x), x -= u / (1 + x u / 2). In the upper tail the
    // error is taken from the other side (1 - Phi(x) = Phi(-x)) so that it does not cancel.
    const double e = p > 0.5 ? (1.0 - p) - normal_cdf(-x) : normal_cdf(x) - p;
    const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
    return x - u / (1.0 + 0.5 * x * u);
}

}  // namespace ink::util
