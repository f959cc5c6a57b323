// ink/metrics/frechet.hpp: Gaussian fits and the Fréchet distance against closed forms.
#include <doctest/doctest.h>

#include <cmath>

#include "ink/core/rng.hpp"
#include "ink/metrics/frechet.hpp"

using ink::metrics::Gaussian;

namespace {

Gaussian gaussian(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov) { return {mean, cov, 100}; }

}  // namespace

TEST_CASE("fit_gaussian: the mean and the unbiased covariance of the rows") {
    // rows (1, 2), (3, 6), (5, 4): mean (3, 4); deviations (-2, -2), (0, 2), (2, 0)
    const ink::Tensor<float> x(ink::Shape{3, 2}, {1, 2, 3, 6, 5, 4});
    const Gaussian g = ink::metrics::fit_gaussian(x);
    CHECK(g.count == 3);
    CHECK(g.mean(0) == doctest::Approx(3));
    CHECK(g.mean(1) == doctest::Approx(4));
    CHECK(g.covariance(0, 0) == doctest::Approx(4));  // (4 + 0 + 4) / 2
    CHECK(g.covariance(1, 1) == doctest::Approx(4));  // (4 + 4 + 0) / 2
    CHECK(g.covariance(0, 1) == doctest::Approx(2));  // (4 + 0 + 0) / 2
    CHECK(g.covariance(1, 0) == doctest::Approx(2));
    CHECK_THROWS_AS(ink::metrics::fit_gaussian(ink::Tensor<float>(ink::Shape{1, 2})), ink::Error);
}

TEST_CASE("frechet_distance: zero for equal Gaussians, closed forms for commuting covariances") {
    Eigen::MatrixXd c(2, 2);
    c << 2, 0.5, 0.5, 1;
    const Eigen::Vector2d m(1, -1);
    CHECK(ink::metrics::frechet_distance(gaussian(m, c), gaussian(m, c)) == doctest::Approx(0).epsilon(1e-9));
    // Diagonal: |m1 - m2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2
    const Eigen::Vector3d a(1, 4, 9), b(4, 4, 1);
    const double want = (Eigen::Vector3d(1, 2, 3) - Eigen::Vector3d(0, 0, 0)).squaredNorm() + 1 + 0 + 4;
    CHECK(ink::metrics::frechet_distance(gaussian(Eigen::Vector3d(1, 2, 3), a.asDiagonal().toDenseMatrix()),
                                         gaussian(Eigen::Vector3d::Zero(), b.asDiagonal().toDenseMatrix())) ==
          doctest::Approx(want));
}

TEST_CASE("frechet_distance: non-commuting covariances against the 2 x 2 closed form") {
    // For a 2 x 2 matrix M with non-negative eigenvalues, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
    Eigen::MatrixXd c1(2, 2), c2(2, 2);
    c1 << 2, 0.8, 0.8, 1;
    c2 << 1, -0.3, -0.3, 3;
    const Eigen::MatrixXd prod = c1 * c2;
    const double tr_sqrt = std::sqrt(prod.trace() + 2 * std::sqrt(prod.determinant()));
    CHECK(ink::metrics::trace_sqrt_product(c1, c2) == doctest::Approx(tr_sqrt).epsilon(1e-12));
    const Eigen::Vector2d m1(0.5, 0), m2(0, 0.25);
    const double want = (m1 - m2).squaredNorm() + c1.trace() + c2.trace() - 2 * tr_sqrt;
    CHECK(ink::metrics::frechet_distance(gaussian(m1, c1), gaussian(m2, c2)) == doctest::Approx(want).epsilon(1e-12));
}

TEST_CASE("frechet_distance: singular covariances (a dead feature, fewer samples than dimensions) stay finite") {
    ink::Rng rng(3);
    ink::Tensor<float> x = ink::Tensor<float>::uniform(ink::Shape{5, 8}, rng, 0.0f, 1.0f);
    ink::Tensor<float> y = ink::Tensor<float>::uniform(ink::Shape{5, 8}, rng, 0.0f, 1.0f);
    for (ink::index_t i = 0; i < 5; ++i) x(i, 0) = y(i, 0) = 0.0f;  // feature 0 never fires
    const double d = ink::metrics::frechet_distance(ink::metrics::fit_gaussian(x), ink::metrics::fit_gaussian(y));
    CHECK(std::isfinite(d));
    CHECK(d > 0);
    CHECK(ink::metrics::frechet_distance(ink::metrics::fit_gaussian(x), ink::metrics::fit_gaussian(x)) ==
          doctest::Approx(0).epsilon(1e-6));
    CHECK_THROWS_AS(ink::metrics::frechet_distance(ink::metrics::fit_gaussian(x),
                                                   ink::metrics::fit_gaussian(ink::Tensor<float>(ink::Shape{3, 2}))),
                    ink::Error);
}
