#pragma once
// Activations: sigmoid, tanh, relu, leaky_relu, softplus (element-wise, on the UnaryNode mechanism of
// arithmetic.hpp) and the gated linear unit glu.
#include "ink/kernels/elementwise.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/shape_ops.hpp"

namespace ink {

template <class T> Var<T> sigmoid(const Var<T>& x);

namespace detail {

// A constant (no gradient) Var of x's shape with value f(x[i]): the slopes of piecewise-linear ops,
// whose second derivative is zero.
template <class T, class F>
Var<T> constant_map(const Var<T>& x, F f) {
    Tensor<T> m = Tensor<T>::empty(x.shape());
    const T* px = x.value().data();
    T* pm = m.data();
    for (index_t i = 0, n = m.numel(); i < n; ++i) pm[i] = f(px[i]);
    return Var<T>(std::move(m));
}

struct SigmoidFn {
    static constexpr NodeKind kind = NodeKind::sigmoid;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::sigmoid(n, x, y); }
    template <class T> static void backward(index_t n, const T*, const T* y, const T* gy, T* gx, T) {
        kernels::sigmoid_backward(n, y, gy, gx);
    }
    // dy/dx = y (1 - y)
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>& y, const Var<T>& gy, T) {
        return gy * (y * (T(1) - y));
    }
};
struct TanhFn {
    static constexpr NodeKind kind = NodeKind::tanh;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::tanh(n, x, y); }
    template <class T> static void backward(index_t n, const T*, const T* y, const T* gy, T* gx, T) {
        kernels::tanh_backward(n, y, gy, gx);
    }
    // dy/dx = 1 - y^2
    template <class T> static Var<T> backward(const Var<T>&, const Var<T>& y, const Var<T>& gy, T) {
        return gy * (T(1) - square(y));
    }
};
// relu'(0) is taken as 0.
struct ReluFn {
    static constexpr NodeKind kind = NodeKind::relu;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::relu(n, x, y); }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T) {
        kernels::relu_backward(n, x, gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T) {
        return gy * constant_map(x, [](T v) { return v > T(0) ? T(1) : T(0); });
    }
};
struct LeakyReluFn {
    static constexpr NodeKind kind = NodeKind::leaky_relu;
    template <class T> static void forward(index_t n, const T* x, T* y, T slope) {
        kernels::leaky_relu(n, x, y, slope);
    }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T slope) {
        kernels::leaky_relu_backward(n, x, gy, gx, slope);
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T slope) {
        return gy * constant_map(x, [slope](T v) { return v > T(0) ? T(1) : slope; });
    }
};
// y = log(1 + exp(x)); dy/dx = sigmoid(x)
struct SoftplusFn {
    static constexpr NodeKind kind = NodeKind::softplus;
    template <class T> static void forward(index_t n, const T* x, T* y, T) { kernels::softplus(n, x, y); }
    template <class T> static void backward(index_t n, const T* x, const T*, const T* gy, T* gx, T) {
        kernels::softplus_backward(n, x, gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>& x, const Var<T>&, const Var<T>& gy, T) {
        return gy * sigmoid(x);
    }
};

}  // namespace detail

template <class T> Var<T> sigmoid(const Var<T>& x) { return unary<detail::SigmoidFn>(x); }
template <class T> Var<T> tanh(const Var<T>& x) { return unary<detail::TanhFn>(x); }
template <class T> Var<T> relu(const Var<T>& x) { return unary<detail::ReluFn>(x); }
template <class T> Var<T> leaky_relu(const Var<T>& x, std::type_identity_t<T> slope = T(0.01)) {
    return unary<detail::LeakyReluFn>(x, slope);
}
template <class T> Var<T> softplus(const Var<T>& x) { return unary<detail::SoftplusFn>(x); }

template <class T> Tensor<T> sigmoid(const Tensor<T>& x) { return unary<detail::SigmoidFn>(x); }
template <class T> Tensor<T> tanh(const Tensor<T>& x) { return unary<detail::TanhFn>(x); }
template <class T> Tensor<T> relu(const Tensor<T>& x) { return unary<detail::ReluFn>(x); }
template <class T> Tensor<T> leaky_relu(const Tensor<T>& x, std::type_identity_t<T> slope = T(0.01)) {
    return unary<detail::LeakyReluFn>(x, slope);
}
template <class T> Tensor<T> softplus(const Tensor<T>& x) { return unary<detail::SoftplusFn>(x); }

// ---- gated linear unit -------------------------------------------------------------------------------
//   x (..., 2H) = [a | b] -> y (..., H) = a * sigmoid(b)

template <class T>
Tensor<T> glu(const Tensor<T>& x) {
    INK_CHECK(x.rank() >= 1 && x.dim(-1) % 2 == 0, "glu: shape ", x.shape().str(),
              " does not split in two halves: expected an even last dimension");
    const index_t half = x.dim(-1) / 2;
    Tensor<T> y = Tensor<T>::empty(x.shape().with_dim(-1, half));
    kernels::glu(x.numel() / x.dim(-1), half, x.data(), y.data());
    return y;
}

template <class T>
class GluNode final : public OpNode<T, 1> {
public:
    GluNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::glu; }
    // da = gy * s, db = gy * a * s * (1 - s) with s = sigmoid(b)
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        const Var<T>& x = this->in_[0];
        const index_t half = x.dim(-1) / 2;
        if (!grad_enabled()) {
            Tensor<T> g = Tensor<T>::empty(x.shape());
            kernels::glu_backward(x.numel() / x.dim(-1), half, x.value().data(), gy.value().data(), g.data());
            gx[0] = Var<T>(std::move(g));
            return;
        }
        const Var<T> a = slice(x, -1, 0, half), s = sigmoid(slice(x, -1, half, 2 * half));
        const Var<T> ga = gy * s;
        gx[0] = concat<T>({ga, ga * a * (T(1) - s)}, -1);
    }
};

template <class T>
Var<T> glu(const Var<T>& x) {
    return make_result<GluNode<T>>(recording(x), glu(x.value()), x);
}

}  // namespace ink
