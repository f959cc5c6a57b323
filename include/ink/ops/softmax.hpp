#pragma once
// softmax and log_softmax over the last dimension, on the softmax kernels.
//
//   softmax(x):      x (..., C) -> y (..., C)   backward: gx = y * (gy - sum(gy * y, -1))
//   log_softmax(x):  x (..., C) -> y (..., C)   backward: gx = gy - exp(y) * sum(gy, -1)
#include "ink/kernels/softmax.hpp"
#include "ink/ops/arithmetic.hpp"
#include "ink/ops/reductions.hpp"

namespace ink {

namespace detail {
struct SoftmaxFn {
    static constexpr NodeKind kind = NodeKind::softmax;
    template <class T> static void forward(index_t rows, index_t cols, const T* x, T* y) {
        kernels::softmax_rows(rows, cols, x, y);
    }
    template <class T> static void backward(index_t rows, index_t cols, const T* y, const T* gy, T* gx) {
        kernels::softmax_backward_rows(rows, cols, y, gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>& y, const Var<T>& gy) {
        return y * (gy - sum(gy * y, -1, true));
    }
};
struct LogSoftmaxFn {
    static constexpr NodeKind kind = NodeKind::log_softmax;
    template <class T> static void forward(index_t rows, index_t cols, const T* x, T* y) {
        kernels::log_softmax_rows(rows, cols, x, y);
    }
    template <class T> static void backward(index_t rows, index_t cols, const T* y, const T* gy, T* gx) {
        kernels::log_softmax_backward_rows(rows, cols, y, gy, gx);
    }
    template <class T> static Var<T> backward(const Var<T>& y, const Var<T>& gy) {
        return gy - exp(y) * sum(gy, -1, true);
    }
};

template <class Fn, class T>
Tensor<T> rowwise(const Tensor<T>& x) {
    INK_CHECK(x.rank() >= 1 && x.dim(-1) > 0, node_kind_name(Fn::kind), ": shape ", x.shape().str(),
              " has no classes: expected (..., C) with C > 0");
    Tensor<T> y = Tensor<T>::empty(x.shape());
    Fn::forward(x.numel() / x.dim(-1), x.dim(-1), x.data(), y.data());
    return y;
}

// Both ops' node: the backward uses only the output y.
template <class T, class Fn>
class RowwiseNode final : public OpNode<T, 1> {
public:
    RowwiseNode(Tensor<T> y, Var<T> x) : OpNode<T, 1>(std::move(y), {std::move(x)}) {}
    NodeKind kind() const override { return Fn::kind; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool*) override {
        if (grad_enabled()) {
            gx[0] = Fn::backward(this->self(), gy);
            return;
        }
        const Tensor<T>& y = this->value;
        Tensor<T> g = Tensor<T>::empty(y.shape());
        Fn::backward(y.numel() / y.dim(-1), y.dim(-1), y.data(), gy.value().data(), g.data());
        gx[0] = Var<T>(std::move(g));
    }
};
}  // namespace detail

template <class T> Tensor<T> softmax(const Tensor<T>& x) { return detail::rowwise<detail::SoftmaxFn>(x); }
template <class T> Tensor<T> log_softmax(const Tensor<T>& x) { return detail::rowwise<detail::LogSoftmaxFn>(x); }

template <class T>
Var<T> softmax(const Var<T>& x) {
    return make_result<detail::RowwiseNode<T, detail::SoftmaxFn>>(recording(x), softmax(x.value()), x);
}
template <class T>
Var<T> log_softmax(const Var<T>& x) {
    return make_result<detail::RowwiseNode<T, detail::LogSoftmaxFn>>(recording(x), log_softmax(x.value()), x);
}

}  // namespace ink
