#pragma once
// bf16 conv1d backward-weight summed over groups of batch elements.
//
// dw (K*Cin x Cout) = X_col^T dy has a small output and a deep reduction (B*Lout: 32,768 for B32
// L1024). gemm_sources splits the output into bands of rows, so every thread packed all of dy for its
// band: on B32 L1024 64->64 k5 at 2 threads, 19% of the time went to packing dy (twice over) beside
// 24% for x. Here the depth is cut instead, into groups of whole batch elements; a thread computes
// all of dw for each of its groups into that group's partial sum, so x and dy are each packed once,
// and the partials are added in group order:
//   dw = (accumulate ? dw : 0) + ((partial_0 + partial_1) + ... + partial_{G-1})
// The groups depend on the shape only (about kGroupDepth depth steps each, at most kMaxGroups and
// kMaxPartialBytes of partial sums), not on the thread count, so the bits do not either.
#include <algorithm>

#include "ink/core/threads.hpp"
#include "ink/kernels/detail/conv1d_source.hpp"
#include "ink/kernels/detail/gemm_driver.hpp"

namespace ink::kernels::detail {

inline constexpr index_t kGroupDepth = 4096;                  // depth steps per group: 8 blocks of 512
inline constexpr index_t kMaxGroups = 8;                      // partial sums kept at once,
inline constexpr index_t kMaxPartialBytes = 8 * 1024 * 1024;  // and their bytes at most

// Batch elements per group for B batch elements of Lo output rows and a dw of `outputs` floats (B
// itself: one group). Large dw (many row bands to share, each packing a smaller share of dy) stay on
// gemm_sources.
inline index_t weight_group_batches(index_t B, index_t Lo, index_t outputs) {
    const index_t by_memory = kMaxPartialBytes / (std::max<index_t>(outputs, 1) * index_t(sizeof(float)));
    const index_t most = std::max<index_t>(1, std::min({B, kMaxGroups, by_memory}));
    const index_t groups = std::clamp<index_t>(B * Lo / kGroupDepth, 1, most);
    return (B + groups - 1) / groups;
}

// dw (M = a.taps * a.width rows, N columns) = sum over the depth of A^T dy (+ dw with accumulate), A =
// the implicit im2col matrix a (a.rows_per_batch rows per batch element) as depth rows, dy rows of N
// floats; per_group batch elements per group (weight_group_batches), B = a's batch elements.
template <class Arith>
void conv1d_weight_by_groups(const ConvRows<float>& a, index_t B, const float* dy, index_t N, float* dw,
                             bool accumulate, index_t per_group) {
    const index_t M = a.taps * a.width, Lo = a.rows_per_batch, groups = (B + per_group - 1) / per_group;
    float* partial = scratch<float>(4, groups * M * N);  // the calling thread's; shared with the workers
    const int nt = threads_for(2.0 * double(M) * double(N) * double(B * Lo), kMinFlopsPerThread);
    parallel_for(groups, nt, [&](index_t g0, index_t g1) {
        for (index_t g = g0; g < g1; ++g) {
            const index_t b0 = g * per_group, nb = std::min(per_group, B - b0);
            ConvRows<float> rows = a;
            rows.src += b0 * a.src_len * a.width;
            const Operand<ConvRows<float>> A{rows, true};
            const Operand<StridedRows<float>> D{{dy + b0 * Lo * N, N, N}, true};
            gemm_band<Arith>(A, D, 0, M, 0, N, nb * Lo, 1.0f, 0.0f, static_cast<const float*>(nullptr),
                             partial + g * M * N, N);
        }
    });
    for (index_t i = 0; i < M * N; ++i) {
        float sum = partial[i];
        for (index_t g = 1; g < groups; ++g) sum += partial[g * M * N + i];
        dw[i] = accumulate ? dw[i] + sum : sum;
    }
}

}  // namespace ink::kernels::detail
