#pragma once
// conv1d on NLC sequences, on the conv1d kernels.
//
//   conv1d(x, w, b, opts):  x (B, L, Cin), w (K, Cin, Cout), b (Cout) or undefined -> y (B, Lout, Cout)
//
// The forward F(x, w) and its two adjoints, backward-data D(gy, w) -> (B, L, Cin) and backward-weight
// W(x, gy) -> (K, Cin, Cout), are each linear in both arguments, and the derivatives of each are the
// other two (for an upstream gradient h of the op's output):
//   F(x, w):   d/dx = D(h, w)    d/dw = W(x, h)
//   D(g, w):   d/dg = F(h, w)    d/dw = W(h, g)
//   W(x, g):   d/dx = D(g, h)    d/dg = F(x, h)
// so one node type with a mode covers the op and gradients of any order, and every backward is a
// direct kernel call when no graph is recorded.
#include "ink/kernels/mixed_precision.hpp"
#include "ink/ops/broadcast.hpp"

namespace ink {

// The one options type of conv1d, for the op and for nn::Conv1d.
struct Conv1dOptions {
    Padding padding = Padding::Valid;  // Same: Lout = ceil(L / stride), as in Keras
    index_t stride = 1;
    index_t dilation = 1;
    index_t pad_left = 0, pad_right = 0;  // for Padding::Explicit
};

namespace detail {

enum class ConvMode { Forward, Data, Weight };

// The kernel parameters for x (B, L, Cin), w (K, Cin, Cout) and bias b (Cout, or undefined); throws
// naming the shapes.
template <class T>
kernels::Conv1dParams conv1d_params(const Shape& x, const Shape& w, const Conv1dOptions& o, const Tensor<T>& b) {
    INK_CHECK(x.rank() == 3 && w.rank() == 3 && x[2] == w[1], "conv1d: shapes ", x.str(), " and ", w.str(),
              " do not match: expected x (B, L, Cin) and w (K, Cin, Cout) with x.dim(2) == w.dim(1)");
    INK_CHECK(o.stride >= 1 && o.dilation >= 1, "conv1d: stride ", o.stride, " and dilation ", o.dilation,
              " must be at least 1");
    kernels::Conv1dParams p;
    p.batch = x[0];
    p.length = x[1];
    p.channels_in = x[2];
    p.kernel = w[0];
    p.channels_out = w[2];
    p.stride = o.stride;
    p.dilation = o.dilation;
    p.set_padding(o.padding, o.pad_left, o.pad_right);
    INK_CHECK(!b.defined() || b.shape() == Shape{p.channels_out}, "conv1d: bias shape ", b.shape().str(),
              " and weight shape ", w.str(), " do not match: expected a bias of shape [", p.channels_out, "]");
    INK_CHECK(p.length + p.pad_left + p.pad_right >= p.span(), "conv1d: input shape ", x.str(), " with padding (",
              p.pad_left, ", ", p.pad_right, ") is shorter than the kernel's span ", p.span(), " (weights ", w.str(), ")");
    return p;
}

// F(u = x, v = w) + bias, D(u = gy, v = w) or W(u = x, v = gy).
template <class T>
Tensor<T> conv1d_apply(ConvMode m, const kernels::Conv1dParams& p, const Tensor<T>& u, const Tensor<T>& v,
                       const Tensor<T>& bias) {
    switch (m) {
        case ConvMode::Forward: {
            Tensor<T> y = Tensor<T>::empty(Shape{p.batch, p.length_out(), p.channels_out});
            kernels::mixed::conv1d_forward(p, u.data(), v.data(), bias.defined() ? bias.data() : nullptr, y.data());
            return y;
        }
        case ConvMode::Data: {
            Tensor<T> dx = Tensor<T>::empty(Shape{p.batch, p.length, p.channels_in});
            kernels::mixed::conv1d_backward_data(p, u.data(), v.data(), dx.data());
            return dx;
        }
        case ConvMode::Weight: {
            Tensor<T> dw = Tensor<T>::empty(Shape{p.kernel, p.channels_in, p.channels_out});
            kernels::mixed::conv1d_backward_weight(p, u.data(), v.data(), dw.data());
            return dw;
        }
    }
    return {};
}

template <class T>
Var<T> conv1d_op(ConvMode m, const kernels::Conv1dParams& p, const Var<T>& u, const Var<T>& v,
                 const Var<T>& bias = Var<T>());

// Inputs (u, v[, bias]) as in conv1d_apply.
template <class T>
class Conv1dNode final : public OpNode<T, 3> {
public:
    Conv1dNode(Tensor<T> y, Var<T> u, Var<T> v, Var<T> b, ConvMode m, const kernels::Conv1dParams& p)
        : OpNode<T, 3>(std::move(y), {std::move(u), std::move(v), std::move(b)}), mode_(m), p_(p) {}
    NodeKind kind() const override {
        return mode_ == ConvMode::Forward ? NodeKind::conv1d
               : mode_ == ConvMode::Data  ? NodeKind::conv1d_backward_data
                                          : NodeKind::conv1d_backward_weight;
    }
    void backward(const Var<T>& h, Var<T>* gx, const bool* needs) override {
        const Var<T>& u = this->in_[0];
        const Var<T>& v = this->in_[1];
        switch (mode_) {
            case ConvMode::Forward:  // u = x, v = w
                if (needs[0]) gx[0] = conv1d_op(ConvMode::Data, p_, h, v);
                if (needs[1]) gx[1] = conv1d_op(ConvMode::Weight, p_, u, h);
                if (needs[2]) gx[2] = sum_to(h, Shape{p_.channels_out});
                break;
            case ConvMode::Data:  // u = gy, v = w
                if (needs[0]) gx[0] = conv1d_op(ConvMode::Forward, p_, h, v);
                if (needs[1]) gx[1] = conv1d_op(ConvMode::Weight, p_, h, u);
                break;
            case ConvMode::Weight:  // u = x, v = gy
                if (needs[0]) gx[0] = conv1d_op(ConvMode::Data, p_, v, h);
                if (needs[1]) gx[1] = conv1d_op(ConvMode::Forward, p_, u, h);
                break;
        }
    }

private:
    ConvMode mode_;
    kernels::Conv1dParams p_;
};

template <class T>
Var<T> conv1d_op(ConvMode m, const kernels::Conv1dParams& p, const Var<T>& u, const Var<T>& v, const Var<T>& bias) {
    Tensor<T> y = conv1d_apply(m, p, u.value(), v.value(), bias.defined() ? bias.value() : Tensor<T>());
    return make_result<Conv1dNode<T>>(recording(u, v, bias), std::move(y), u, v, bias, m, p);
}

}  // namespace detail

template <class T>
Tensor<T> conv1d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b = Tensor<T>(), Conv1dOptions opts = {}) {
    const auto p = detail::conv1d_params(x.shape(), w.shape(), opts, b);
    return detail::conv1d_apply(detail::ConvMode::Forward, p, x, w, b);
}

// b may be undefined (no bias).
template <class T>
Var<T> conv1d(const Var<T>& x, const Var<T>& w, const Var<T>& b, Conv1dOptions opts = {}) {
    const auto p = detail::conv1d_params(x.shape(), w.shape(), opts, b.defined() ? b.value() : Tensor<T>());
    return detail::conv1d_op(detail::ConvMode::Forward, p, x, w, b);
}
template <class T>
Var<T> conv1d(const Var<T>& x, const Var<T>& w, Conv1dOptions opts = {}) {
    return conv1d(x, w, Var<T>(), opts);
}

}  // namespace ink
