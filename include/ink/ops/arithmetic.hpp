#pragma once
// Arithmetic: add, sub, mul, div with broadcasting; neg; Var-scalar ops; exp, log, sqrt, square, pow;
// the operators + - * / and unary -.
//
// Element-wise unary ops share one mechanism, UnaryNode<T, Fn>: Fn gives the forward on arrays, the
// backward on arrays (the fast path, when no graph is recorded) and the backward in ops (so that
// gradients can be differentiated again). activations.hpp adds more Fns.
#include <cmath>
#include <type_traits>

#include "ink/autograd/engine.hpp"
#include "ink/kernels/elementwise.hpp"
#include "ink/ops/broadcast.hpp"

namespace ink {

// ---- binary ops with broadcasting --------------------------------------------------------------------
//   a (shape sa), b (shape sb) -> y (broadcast of sa and sb)

namespace detail {

struct AddFn {
    static constexpr NodeKind kind = NodeKind::add;
    template <class T>
    static T apply(T a, T b) { return a + b; }
    template <class T>
    static void run(index_t n, const T* a, const T* b, T* y) { kernels::add(n, a, b, y); }
};
struct SubFn {
    static constexpr NodeKind kind = NodeKind::sub;
    template <class T>
    static T apply(T a, T b) { return a - b; }
    template <class T>
    static void run(index_t n, const T* a, const T* b, T* y) { kernels::sub(n, a, b, y); }
};
struct MulFn {
    static constexpr NodeKind kind = NodeKind::mul;
    template <class T>
    static T apply(T a, T b) { return a * b; }
    template <class T>
    static void run(index_t n, const T* a, const T* b, T* y) { kernels::mul(n, a, b, y); }
};
struct DivFn {
    static constexpr NodeKind kind = NodeKind::div;
    template <class T>
    static T apply(T a, T b) { return a / b; }
    template <class T>
    static void run(index_t n, const T* a, const T* b, T* y) { kernels::div(n, a, b, y); }
};

template <class Fn, class T>
Tensor<T> binary(const Tensor<T>& a, const Tensor<T>& b) {
    if (a.shape() == b.shape()) {
        Tensor<T> y = Tensor<T>::empty(a.shape());
        Fn::run(a.numel(), a.data(), b.data(), y.data());
        return y;
    }
    const Shape out = broadcast_shapes(node_kind_name(Fn::kind), a.shape(), b.shape());
    Tensor<T> y = Tensor<T>::empty(out);
    const T* pa = a.data();
    const T* pb = b.data();
    T* py = y.data();
    if (a.shape() == out && b.numel() == 1) {  // a op scalar
        const T b0 = pb[0];
        for (index_t i = 0, n = y.numel(); i < n; ++i) py[i] = Fn::apply(pa[i], b0);
        return y;
    }
    if (b.shape() == out && a.numel() == 1) {  // scalar op b
        const T a0 = pa[0];
        for (index_t i = 0, n = y.numel(); i < n; ++i) py[i] = Fn::apply(a0, pb[i]);
        return y;
    }
    if (a.shape() == out && is_suffix(b.shape(), out)) {  // the bias add: b repeats along a's rows
        const index_t cols = b.numel();
        for (index_t r = 0, rows = out.numel() / std::max<index_t>(cols, 1); r < rows; ++r)
            Fn::run(cols, pa + r * cols, pb, py + r * cols);
        return y;
    }
    detail::for_each_broadcast(out, broadcast_strides(a.shape(), out), broadcast_strides(b.shape(), out),
                               [&](index_t o, index_t i, index_t j) { py[o] = Fn::apply(pa[i], pb[j]); });
    return y;
}

}  // namespace detail

template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) { return detail::binary<detail::AddFn>(a, b); }
template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) { return detail::binary<detail::SubFn>(a, b); }
template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) { return detail::binary<detail::MulFn>(a, b); }
template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) { return detail::binary<detail::DivFn>(a, b); }

template <class T> Var<T> add(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> sub(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> mul(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> div(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> neg(const Var<T>& x);

// A binary op's node; Fn::grads sends gy back to the inputs (each then summed to its input's shape).
template <class T, class Fn>
class BinaryNode final : public OpNode<T, 2> {
public:
    BinaryNode(Tensor<T> y, Var<T> a, Var<T> b) : OpNode<T, 2>(std::move(y), {std::move(a), std::move(b)}) {}
    NodeKind kind() const override { return Fn::kind; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) override {
        const Var<T>& a = this->in_[0];
        const Var<T>& b = this->in_[1];
        if (needs[0]) gx[0] = sum_to(Fn::grad_a(a, b, gy), a.shape());
        if (needs[1]) gx[1] = sum_to(Fn::grad_b(a, b, gy), b.shape());
    }
};

namespace detail {
// d(a op b)/da * gy and d(a op b)/db * gy, before summing to the inputs' shapes.
struct AddGrad : AddFn {
    template <class T> static Var<T> grad_a(const Var<T>&, const Var<T>&, const Var<T>& gy) { return gy; }
    template <class T> static Var<T> grad_b(const Var<T>&, const Var<T>&, const Var<T>& gy) { return gy; }
};
struct SubGrad : SubFn {
    template <class T> static Var<T> grad_a(const Var<T>&, const Var<T>&, const Var<T>& gy) { return gy; }
    template <class T> static Var<T> grad_b(const Var<T>&, const Var<T>&, const Var<T>& gy) { return neg(gy); }
};
struct MulGrad : MulFn {
    template <class T> static Var<T> grad_a(const Var<T>&, const Var<T>& b, const Var<T>& gy) { return mul(gy, b); }
    template <class T> static Var<T> grad_b(const Var<T>& a, const Var<T>&, const Var<T>& gy) { return mul(gy, a); }
};
struct DivGrad : DivFn {
    // y = a / b: dy/da = 1 / b, dy/db = -a / b^2
    template <class T> static Var<T> grad_a(const Var<T>&, const Var<T>& b, const Var<T>& gy) { return div(gy, b); }
    template <class T> static Var<T> grad_b(const Var<T>& a, const Var<T>& b, const Var<T>& gy) {
        return neg(div(mul(gy, a), mul(b, b)));
    }
};

template <class G, class T>
Var<T> binary(const Var<T>& a, const Var<T>& b) {
    return make_result<BinaryNode<T, G>>(recording(a, b), binary<G>(a.value(), b.value()), a, b);
}
}  // namespace detail

template <class T> Var<T> add(const Var<T>& a, const Var<T>& b) { return detail::binary<detail::AddGrad>(a, b); }
template <class T> Var<T> sub(const Var<T>& a, const Var<T>& b) { return detail::binary<detail::SubGrad>(a, b); }
template <class T> Var<T> mul(const Var<T>& a, const Var<T>& b) { return detail::binary<detail::MulGrad>(a, b); }
template <class T> Var<T> div(const Var<T>& a, const Var<T>& b) { return detail::binary<detail::DivGrad>(a, b); }

// ---- element-wise unary ops ------------------------------------------------------------------------
//   x (any shape) -> y (same shape); `p` is the op's scalar parameter (exponent, slope, ...), if any.

// The node of every element-wise unary op. Fn provides
//   static constexpr NodeKind kind;        (its entry in autograd/node_kinds.hpp)
//   forward(n, x, y, p)                 y = f(x)
//   backward(n, x, y, gy, gx, p)        gx = gy * f'(x), on arrays (when no graph is recorded)
//   backward(x, y, gy, p) -> Var        the same in differentiable ops (when create_graph)
template <class T, class Fn>
class UnaryNode final : public OpNode<T, 1> {
public:
    UnaryNode(Tensor<T> y, Var<T> x, T p) : OpNode<T, 1>(std::move(y), {std::move(x)}), p_(p) {}
    NodeKind kind() const override { return Fn::kind; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Var<T>& x = this->in_[0];
        if (grad_enabled()) {
            gx[0] = Fn::backward(x, this->self(), gy, p_);
            return;
        }
        Tensor<T> g = Tensor<T>::empty(x.shape());
        Fn::backward(g.numel(), x.value().data(), this->value.data(), gy.value().data(), g.data(), p_);
        gx[0] = Var<T>(std::move(g));
    }

private:
    T p_;
};

template <class Fn, class T>
Tensor<T> unary(const Tensor<T>& x, T p = T(0)) {
    Tensor<T> y = Tensor<T>::empty(x.shape());
    Fn::forward(x.numel(), x.data(), y.data(), p);
    return y;
}
template <class Fn, class T>
Var<T> unary(const Var<T>& x, T p = T(0)) {
    return make_result<UnaryNode<T, Fn>>(recording(x), unary<Fn>(x.value(), p), x, p);
}

template <class T> Var<T> scale(const Var<T>& x, std::type_identity_t<T> c);
template <class T> Var<T> pow(const Var<T>& x, std::type_identity_t<T> p);

namespace detail {

struct NegFn {
    static constexpr NodeKind kind = NodeKind::neg;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::scale(n, T(-1), x, y); }
    template <class T> static void backward(index_t n, const T*, const T*, const T* gy, T* gx, T) {
        kernels::scale(n, T(-1), gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>&, const Var<T>& gy, T) { return neg(gy); }
};
// y = p * x
struct ScaleFn {
    static constexpr NodeKind kind = NodeKind::scale;
    template <class T> static void forward(index_t n, const T* x, T* y, T p) { kernels::scale(n, p, x, y); }
    template <class T> static void backward(index_t n, const T*, const T*, const T* gy, T* gx, T p) {
        kernels::scale(n, p, gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>&, const Var<T>& gy, T p) { return scale(gy, p); }
};
// y = x + p
struct ShiftFn {
    static constexpr NodeKind kind = NodeKind::add_scalar;
    template <class T> static void forward(index_t n, const T* x, T* y, T p) { kernels::add_scalar(n, x, p, y); }
    template <class T> static void backward(index_t n, const T*, const T*, const T* gy, T* gx, T) {
        std::copy(gy, gy + n, gx);
    }
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>&, const Var<T>& gy, T) { return gy; }
};
struct ExpFn {
    static constexpr NodeKind kind = NodeKind::exp;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::exp(n, x, y); }
    template <class T> static void backward(index_t n, const T*, const T* y, const T* gy, T* gx, T) {
        kernels::mul(n, gy, y, gx);
    }
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>& y, const Var<T>& gy, T) { return mul(gy, y); }
};
struct LogFn {
    static constexpr NodeKind kind = NodeKind::log;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::log(n, x, y); }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T) {
        kernels::div(n, gy, x, gx);
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T) { return div(gy, x); }
};
// dy/dx = 1 / (2 y): infinite at x = 0 (see norm_per_sample for a safe norm).
struct SqrtFn {
    static constexpr NodeKind kind = NodeKind::sqrt;
    template <class T> static void forward(index_t n, const T* x, T* y, T) {
        for (index_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]);
    }
    template <class T> static void backward(index_t n, const T*, const T* y, const T* gy, T* gx, T) {
        for (index_t i = 0; i < n; ++i) gx[i] = T(0.5) * gy[i] / y[i];
    }
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>& y, const Var<T>& gy, T) {
        return div(scale(gy, T(0.5)), y);
    }
};
struct SquareFn {
    static constexpr NodeKind kind = NodeKind::square;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::mul(n, x, x, y); }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T) {
        for (index_t i = 0; i < n; ++i) gx[i] = T(2) * x[i] * gy[i];
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T) {
        return mul(scale(gy, T(2)), x);
    }
};
// y = x^p for a constant p
struct PowFn {
    static constexpr NodeKind kind = NodeKind::pow;
    template <class T> static void forward(index_t n, const T* x, T* y, T p) {
        for (index_t i = 0; i < n; ++i) y[i] = std::pow(x[i], p);
    }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T p) {
        for (index_t i = 0; i < n; ++i) gx[i] = p * std::pow(x[i], p - T(1)) * gy[i];
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T p) {
        return mul(scale(gy, p), pow(x, p - T(1)));
    }
};

}  // namespace detail

template <class T> Var<T> neg(const Var<T>& x) { return unary<detail::NegFn>(x); }
template <class T> Var<T> scale(const Var<T>& x, std::type_identity_t<T> c) { return unary<detail::ScaleFn>(x, c); }
template <class T> Var<T> add(const Var<T>& x, std::type_identity_t<T> c) { return unary<detail::ShiftFn>(x, c); }
template <class T> Var<T> exp(const Var<T>& x) { return unary<detail::ExpFn>(x); }
template <class T> Var<T> log(const Var<T>& x) { return unary<detail::LogFn>(x); }
template <class T> Var<T> sqrt(const Var<T>& x) { return unary<detail::SqrtFn>(x); }
template <class T> Var<T> square(const Var<T>& x) { return unary<detail::SquareFn>(x); }
template <class T> Var<T> pow(const Var<T>& x, std::type_identity_t<T> p) { return unary<detail::PowFn>(x, p); }

template <class T> Tensor<T> neg(const Tensor<T>& x) { return unary<detail::NegFn>(x); }
template <class T> Tensor<T> scale(const Tensor<T>& x, std::type_identity_t<T> c) { return unary<detail::ScaleFn>(x, c); }
template <class T> Tensor<T> add(const Tensor<T>& x, std::type_identity_t<T> c) { return unary<detail::ShiftFn>(x, c); }
template <class T> Tensor<T> exp(const Tensor<T>& x) { return unary<detail::ExpFn>(x); }
template <class T> Tensor<T> log(const Tensor<T>& x) { return unary<detail::LogFn>(x); }
template <class T> Tensor<T> sqrt(const Tensor<T>& x) { return unary<detail::SqrtFn>(x); }
template <class T> Tensor<T> square(const Tensor<T>& x) { return unary<detail::SquareFn>(x); }
template <class T> Tensor<T> pow(const Tensor<T>& x, std::type_identity_t<T> p) { return unary<detail::PowFn>(x, p); }

// ---- operators -------------------------------------------------------------------------------------

template <class T> Var<T> operator+(const Var<T>& a, const Var<T>& b) { return add(a, b); }
template <class T> Var<T> operator-(const Var<T>& a, const Var<T>& b) { return sub(a, b); }
template <class T> Var<T> operator*(const Var<T>& a, const Var<T>& b) { return mul(a, b); }
template <class T> Var<T> operator/(const Var<T>& a, const Var<T>& b) { return div(a, b); }
template <class T> Var<T> operator-(const Var<T>& x) { return neg(x); }

template <class T> Var<T> operator+(const Var<T>& x, std::type_identity_t<T> c) { return add(x, c); }
template <class T> Var<T> operator+(std::type_identity_t<T> c, const Var<T>& x) { return add(x, c); }
template <class T> Var<T> operator-(const Var<T>& x, std::type_identity_t<T> c) { return add(x, -c); }
template <class T> Var<T> operator-(std::type_identity_t<T> c, const Var<T>& x) { return add(neg(x), c); }
template <class T> Var<T> operator*(const Var<T>& x, std::type_identity_t<T> c) { return scale(x, c); }
template <class T> Var<T> operator*(std::type_identity_t<T> c, const Var<T>& x) { return scale(x, c); }
template <class T> Var<T> operator/(const Var<T>& x, std::type_identity_t<T> c) { return scale(x, T(1) / c); }
template <class T> Var<T> operator/(std::type_identity_t<T> c, const Var<T>& x) { return scale(pow(x, T(-1)), c); }

}  // namespace ink
