#pragma once
// conv1d in bf16: the three products of conv1d.hpp (same layouts, parameters and `accumulate`) on the
// bf16 GEMM (gemm_bf16.hpp): x, w and dy are rounded to bf16 while they are packed (the implicit
// im2col matrix is still never materialised), products are summed in float, results are float.
#include "ink/kernels/conv1d.hpp"
#include "ink/kernels/detail/gemm_pack_bf16.hpp"

namespace ink::kernels {

inline void conv1d_forward_bf16(const Conv1dParams& p, const float* x, const float* w, const float* bias, float* y) {
    conv1d_forward<float, detail::Bf16Native>(p, x, w, bias, y);
}

inline void conv1d_backward_data_bf16(const Conv1dParams& p, const float* dy, const float* w, float* dx,
                                      bool accumulate = false) {
    conv1d_backward_data<float, detail::Bf16Native>(p, dy, w, dx, accumulate);
}

inline void conv1d_backward_weight_bf16(const Conv1dParams& p, const float* x, const float* dy, float* dw,
                                        bool accumulate = false) {
    conv1d_backward_weight<float, detail::Bf16Native>(p, x, dy, dw, accumulate);
}

}  // namespace ink::kernels
