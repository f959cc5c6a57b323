#pragma once
// The Fréchet distance between two Gaussians fitted to feature vectors (the measure behind FID).
//
//   fit_gaussian(features):  features (N, D) -> mean (D), covariance (D, D) (divided by N - 1)
//   frechet_distance(a, b):  |mu_a - mu_b|^2 + tr(C_a) + tr(C_b) - 2 tr sqrt(C_a C_b)
//
// C_a C_b is not symmetric, but it is similar to sqrt(C_a) C_b sqrt(C_a), which is symmetric positive
// semi-definite: both have the same eigenvalues, so tr sqrt(C_a C_b) is the sum of the square roots of
// the eigenvalues of sqrt(C_a) C_b sqrt(C_a). Two symmetric eigen-decompositions (Eigen's
// SelfAdjointEigenSolver) compute it; eigenvalues that rounding makes slightly negative count as 0,
// so singular covariances (features that are always 0, fewer samples than dimensions) are fine.
// Everything runs in double: the result is a small difference of large traces.
//
// Like FID, the distance between two finite samples is biased upwards (more so with fewer samples):
// compare numbers computed with the same sample sizes and the same feature extractor.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own AVX-512 headers when Eigen's packet math is inlined (a GCC bug).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"

namespace ink::metrics {

// A Gaussian fitted to samples: their mean and covariance, and how many there were.
struct Gaussian {
    Eigen::VectorXd mean;
    Eigen::MatrixXd covariance;
    index_t count = 0;
};

// The mean and the unbiased covariance of the rows of `features` (N, D), N >= 2.
template <class T>
Gaussian fit_gaussian(const Tensor<T>& features) {
    INK_CHECK(features.rank() == 2 && features.dim(0) >= 2, "fit_gaussian: expected features of shape (N, D) with N >= 2, got ",
              features.shape().str());
    const index_t n = features.dim(0), d = features.dim(1);
    using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::MatrixXd x = Eigen::Map<const RowMajor>(features.data(), n, d).template cast<double>();
    Gaussian g;
    g.count = n;
    g.mean = x.colwise().mean().transpose();
    const Eigen::MatrixXd centred = x.rowwise() - g.mean.transpose();
    g.covariance = Eigen::MatrixXd::Zero(d, d);
    g.covariance.template selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose(), 1.0 / double(n - 1));
    g.covariance = g.covariance.template selfadjointView<Eigen::Lower>();
    return g;
}

// The symmetric square root of a symmetric positive semi-definite matrix.
inline Eigen::MatrixXd sqrt_psd(const Eigen::MatrixXd& m) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m);
    INK_CHECK(eig.info() == Eigen::Success, "sqrt_psd: the eigen-decomposition did not converge");
    const Eigen::VectorXd roots = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    return eig.eigenvectors() * roots.asDiagonal() * eig.eigenvectors().transpose();
}

// tr sqrt(A B) for symmetric positive semi-definite A and B.
inline double trace_sqrt_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    const Eigen::MatrixXd root_a = sqrt_psd(a);
    const Eigen::MatrixXd m = root_a * b * root_a;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m, Eigen::EigenvaluesOnly);
    INK_CHECK(eig.info() == Eigen::Success, "trace_sqrt_product: the eigen-decomposition did not converge");
    return eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

// The squared Fréchet (2-Wasserstein) distance between N(a.mean, a.covariance) and N(b.mean, b.covariance),
// as FID reports it (not its square root). Never negative.
inline double frechet_distance(const Gaussian& a, const Gaussian& b) {
    INK_CHECK(a.mean.size() == b.mean.size() && a.covariance.rows() == a.mean.size() &&
                  b.covariance.rows() == b.mean.size(),
              "frechet_distance: the Gaussians have ", a.mean.size(), " and ", b.mean.size(),
              " dimensions, expected the same");
    const double d = (a.mean - b.mean).squaredNorm() + a.covariance.trace() + b.covariance.trace() -
                     2.0 * trace_sqrt_product(a.covariance, b.covariance);
    return std::max(d, 0.0);
}

}  // namespace ink::metrics

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
