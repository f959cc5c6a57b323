#pragma once
// Shape: the extents of a row-major tensor, rank 0 to kMaxRank.
//
// Stored inline (no heap) so that creating and comparing shapes in a training step allocates nothing.
//
// Invariant, checked by every constructor: the extents are non-negative and the product of the
// non-zero ones fits in int64. Then numel(), row_size() and every row-major stride (any product of a
// subset of the extents) are exact, also for shapes read from files: [0, 2^40, 2^40] has numel() 0 but
// a row of 2^80 elements, and is refused. The check costs at most kMaxRank multiplications per shape;
// there is no unchecked way to build or modify a Shape (no mutable operator[]).
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "ink/core/error.hpp"

namespace ink {

using index_t = std::int64_t;

class Shape {
public:
    static constexpr int kMaxRank = 6;

    Shape() = default;
    Shape(std::initializer_list<index_t> dims) { assign(dims.begin(), dims.end()); }
    explicit Shape(const std::vector<index_t>& dims) { assign(dims.begin(), dims.end()); }
    Shape(const index_t* first, const index_t* last) { assign(first, last); }

    int rank() const { return rank_; }
    index_t operator[](int i) const { return dims_[static_cast<std::size_t>(normalize(i))]; }
    const index_t* begin() const { return dims_.data(); }
    const index_t* end() const { return dims_.data() + rank_; }

    // Product of all extents; 1 for a rank-0 (scalar) shape.
    index_t numel() const {
        index_t n = 1;
        for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
        return n;
    }
    // Product of the extents after the first: the length of one "row" along dim 0.
    index_t row_size() const {
        index_t n = 1;
        for (int i = 1; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
        return n;
    }
    // The shape with dimension i replaced by `extent` (checked like any new shape).
    Shape with_dim(int i, index_t extent) const {
        std::array<index_t, kMaxRank> dims = dims_;
        dims[static_cast<std::size_t>(normalize(i))] = extent;
        return Shape(dims.data(), dims.data() + rank_);
    }
    std::vector<index_t> to_vector() const { return {begin(), end()}; }

    std::string str() const {
        std::string s = "[";
        for (int i = 0; i < rank_; ++i) {
            if (i) s += ", ";
            s += std::to_string(dims_[static_cast<std::size_t>(i)]);
        }
        return s + "]";
    }

    friend bool operator==(const Shape& a, const Shape& b) {
        if (a.rank_ != b.rank_) return false;
        for (int i = 0; i < a.rank_; ++i)
            if (a.dims_[static_cast<std::size_t>(i)] != b.dims_[static_cast<std::size_t>(i)]) return false;
        return true;
    }
    friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

private:
    template <class It>
    void assign(It first, It last) {
        const auto n = last - first;
        INK_CHECK(n <= kMaxRank, "Shape: rank ", n, " exceeds the maximum rank ", kMaxRank);
        rank_ = static_cast<int>(n);
        int i = 0;
        index_t nonzero_product = 1;
        for (It it = first; it != last; ++it, ++i) {
            const index_t extent = *it;
            INK_CHECK(extent >= 0, "Shape: extent ", i, " is ", extent, ", expected a non-negative size");
            if (extent != 0 && __builtin_mul_overflow(nonzero_product, extent, &nonzero_product))
                overflow(first, last);
            dims_[static_cast<std::size_t>(i)] = extent;
        }
    }
    template <class It>
    [[noreturn]] static void overflow(It first, It last) {
        std::string dims;
        for (It it = first; it != last; ++it) dims += (dims.empty() ? "" : ", ") + std::to_string(*it);
        detail::fail("Shape: extents [", dims, "] describe more than 2^63 - 1 elements (counting the non-zero ",
                     "extents, whose products are the row sizes and strides)");
    }
    int normalize(int i) const {
        const int j = i < 0 ? i + rank_ : i;
        INK_CHECK(j >= 0 && j < rank_, "Shape ", str(), ": dimension ", i, " is out of range for rank ", rank_);
        return j;
    }

    std::array<index_t, kMaxRank> dims_{};
    int rank_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

}  // namespace ink
