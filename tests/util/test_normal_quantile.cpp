// The standard normal quantile function against published values (e.g. scipy.stats.norm.ppf).
#include <doctest/doctest.h>

#include <cmath>

#include "ink/util/normal_quantile.hpp"

using ink::util::normal_cdf;
using ink::util::normal_quantile;

TEST_CASE("normal_quantile: known values to about double precision") {
    struct Case {
        double p, x;
    };
    const Case cases[] = {{0.5, 0.0},
                          {0.975, 1.959963984540054},
                          {0.05, -1.6448536269514729},
                          {0.001, -3.090232306167813},
                          {0.3, -0.5244005127080407},
                          {1e-10, -6.361340902404056}};
    for (const auto& c : cases) CHECK(normal_quantile(c.p) == doctest::Approx(c.x).epsilon(1e-14));
}

TEST_CASE("normal_quantile: inverts normal_cdf and is odd about 1/2") {
    for (double p = 0.01; p < 1.0; p += 0.01) {
        CHECK(normal_cdf(normal_quantile(p)) == doctest::Approx(p).epsilon(1e-14));
        CHECK(normal_quantile(p) == doctest::Approx(-normal_quantile(1.0 - p)).epsilon(1e-12));
    }
    CHECK(std::isinf(normal_quantile(0.0)));
    CHECK(normal_quantile(0.0) < 0);
    CHECK(std::isinf(normal_quantile(1.0)));
    CHECK_THROWS_AS(normal_quantile(1.5), ink::Error);
}
