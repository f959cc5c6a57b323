#pragma once
// Finite-difference checks of gradients, for ops' tests and for users' own ops.
//
//   auto r = ink::testing::gradcheck([](const std::vector<ink::Var<double>>& v) { return my_op(v[0], v[1]); },
//                                    {a, b});
//   if (!r) std::puts(r.message.c_str());
//
// gradcheck compares, for a fixed random projection u of the output, the analytic gradient of <u, f(x)>
// from backward with its central finite difference, element by element of every input; it also runs
// backward twice through one retained graph and checks that the leaves' gradients double (an op must
// not spend its saved state in the first pass). gradgradcheck
// runs gradcheck on x -> <v, grad(<u, f(x)>, x, create_graph)>: the gradient of the gradient.
// Work in double: the inputs are Var<double>; nothing here depends on a test framework.
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ink/autograd/engine.hpp"
#include "ink/core/rng.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/reductions.hpp"

namespace ink::testing {

struct GradcheckOptions {
    double eps = 1e-6;   // finite-difference step
    double atol = 1e-6;  // pass when |analytic - numeric| <= atol + rtol * |numeric|
    double rtol = 1e-4;
    std::uint64_t seed = 1234;  // of the random projections
};

struct GradcheckResult {
    bool ok = true;
    double max_error = 0;  // the largest |analytic - numeric| seen
    std::string message;   // the first failure: which input and element, both values
    explicit operator bool() const { return ok; }
};

using Function = std::function<Var<double>(const std::vector<Var<double>>&)>;

namespace detail {

inline Tensor<double> random_like(const Shape& s, Rng& rng) {
    return Tensor<double>::uniform(s, rng, -1.0, 1.0);
}

// <u, y> as a Var (a scalar).
inline Var<double> project(const Var<double>& y, const Tensor<double>& u) { return sum(y * Var<double>(u)); }

// backward(retain_graph) twice on fresh leaves: the second pass must add the same gradient again.
inline GradcheckResult check_retained_backward(const Function& f, const std::vector<Var<double>>& inputs,
                                               const Tensor<double>& u, const GradcheckOptions& opts,
                                               GradcheckResult r) {
    std::vector<Var<double>> xs;
    for (const auto& x : inputs) xs.emplace_back(x.value().clone(), true);
    const Var<double> s = project(f(xs), u);
    if (!s.requires_grad()) return r;
    s.backward(true);
    std::vector<Tensor<double>> once;
    for (const auto& x : xs) once.push_back(x.grad().defined() ? x.grad().clone() : Tensor<double>(x.shape()));
    s.backward();
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Tensor<double>& twice = xs[i].grad();
        for (index_t k = 0; k < once[i].numel(); ++k) {
            const double want = 2 * once[i][k], got = twice.defined() ? twice[k] : 0.0;
            if (!(std::abs(got - want) <= opts.atol + opts.rtol * std::abs(want)))
                return {false, std::abs(got - want),
                        ink::detail::concat("gradcheck: input ", i, " element ", k, ": a second backward through ",
                                            "the retained graph summed the gradient to ", got, ", expected twice ",
                                            once[i][k], " = ", want)};
        }
    }
    return r;
}

}  // namespace detail

inline GradcheckResult gradcheck(const Function& f, const std::vector<Var<double>>& inputs, GradcheckOptions opts = {}) {
    std::vector<Var<double>> xs;
    for (const auto& x : inputs) xs.emplace_back(x.value().clone(), true);
    Rng rng(opts.seed);
    const Var<double> y0 = f(xs);
    const Tensor<double> u = detail::random_like(y0.shape(), rng);

    // Analytic: the gradient of <u, f(x)> (zero when f's output does not depend on the inputs).
    std::vector<Var<double>> analytic(xs.size());
    const Var<double> s = detail::project(y0, u);
    if (s.requires_grad()) analytic = grad(std::vector<Var<double>>{s}, xs);

    GradcheckResult r;
    const auto at = [&] { return detail::project(f(xs), u).item(); };
    for (std::size_t i = 0; i < xs.size(); ++i) {
        Tensor<double>& x = xs[i].value();
        for (index_t k = 0; k < x.numel(); ++k) {
            const double saved = x[k];
            x[k] = saved + opts.eps;
            const double plus = at();
            x[k] = saved - opts.eps;
            const double minus = at();
            x[k] = saved;
            const double numeric = (plus - minus) / (2 * opts.eps);
            const double a = analytic[i].defined() ? analytic[i].value()[k] : 0.0;
            const double err = std::abs(a - numeric);
            r.max_error = std::max(r.max_error, err);
            if (r.ok && !(err <= opts.atol + opts.rtol * std::abs(numeric))) {
                r.ok = false;
                r.message = ink::detail::concat("gradcheck: input ", i, " (shape ", x.shape().str(), ") element ", k,
                                                ": analytic ", a, ", numeric ", numeric, ", error ", err);
            }
        }
    }
    if (r.ok) r = detail::check_retained_backward(f, inputs, u, opts, r);
    if (r.ok) r.message = ink::detail::concat("gradcheck: ok, max error ", r.max_error);
    return r;
}

// Checks the gradient of the gradient: gradcheck of x -> <v, d<u, f(x)>/dx>. First checks that the
// gradients computed with create_graph (by the ops' backward written in ops) equal those computed
// without (by the kernels): the finite differences then validate both.
inline GradcheckResult gradgradcheck(const Function& f, const std::vector<Var<double>>& inputs,
                                     GradcheckOptions opts = {}) {
    {
        std::vector<Var<double>> xs;
        for (const auto& x : inputs) xs.emplace_back(x.value().clone(), true);
        Rng rng(opts.seed);
        const Var<double> y = f(xs);
        const Var<double> s = detail::project(y, detail::random_like(y.shape(), rng));
        if (s.requires_grad()) {
            const auto with_graph = grad(std::vector<Var<double>>{s}, xs, GradOptions{.create_graph = true});
            const auto plain = grad(std::vector<Var<double>>{s}, xs);
            for (std::size_t i = 0; i < xs.size(); ++i)
                for (index_t k = 0; k < xs[i].numel(); ++k) {
                    const double a = with_graph[i].value()[k], b = plain[i].value()[k];
                    if (!(std::abs(a - b) <= opts.atol + opts.rtol * std::abs(b)))
                        return {false, std::abs(a - b),
                                ink::detail::concat("gradgradcheck: input ", i, " element ", k,
                                                    ": the gradient with create_graph is ", a, ", without ", b)};
                }
        }
    }
    Rng rng(opts.seed + 1);
    // Evaluated on leaves that require grad, as f may itself differentiate (a penalty's inner gradient).
    const Var<double> y0 = [&] {
        std::vector<Var<double>> xs;
        for (const auto& x : inputs) xs.emplace_back(x.value().clone(), true);
        return f(xs);
    }();
    const Tensor<double> u = detail::random_like(y0.shape(), rng);
    std::vector<Tensor<double>> vs;
    for (const auto& x : inputs) vs.push_back(detail::random_like(x.shape(), rng));
    const Function first = [&](const std::vector<Var<double>>& xs) {
        const Var<double> s = detail::project(f(xs), u);
        Var<double> total(Tensor<double>::scalar(0.0));
        if (!s.requires_grad()) return total;
        const auto gs = grad(std::vector<Var<double>>{s}, xs, GradOptions{.create_graph = true});
        for (std::size_t i = 0; i < gs.size(); ++i) total = total + detail::project(gs[i], vs[i]);
        return total;
    };
    GradcheckResult r = gradcheck(first, inputs, opts);
    if (!r.ok) r.message = "grad" + r.message;
    return r;
}

}  // namespace ink::testing
