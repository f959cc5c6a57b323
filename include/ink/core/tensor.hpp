#pragma once
// Tensor<T>: a row-major, 64-byte aligned, reference-counted array of any rank up to Shape::kMaxRank.
//
// Copying a Tensor is cheap and shares the storage (like a shared_ptr); clone() makes a deep copy.
// Views (rows(), row(), reshape()) share storage too. Storage comes from the caching allocator in
// memory.hpp and the reference count lives in the block's header, so creating a tensor of a size
// seen before makes no system allocation.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "ink/core/error.hpp"
#include "ink/core/memory.hpp"
#include "ink/core/rng.hpp"
#include "ink/core/shape.hpp"

namespace ink {

namespace detail {
// The header of a storage block; the elements start kAlignment bytes after it.
struct StorageHeader {
    std::atomic<long> refs;
    std::size_t bytes;  // bytes of elements (excluding this header)
};
static_assert(sizeof(StorageHeader) <= kAlignment);
}  // namespace detail

template <class T>
class Tensor {
    static_assert(std::is_arithmetic_v<T>, "Tensor<T>: T must be an arithmetic type");

public:
    using value_type = T;

    // An undefined tensor (defined() is false): no storage, rank 0.
    Tensor() = default;
    // A zero-filled tensor.
    explicit Tensor(const Shape& shape) : Tensor(empty(shape)) { fill(T(0)); }
    // A tensor with the given values in row-major order.
    Tensor(const Shape& shape, std::initializer_list<T> values) : Tensor(empty(shape)) {
        INK_CHECK(static_cast<index_t>(values.size()) == numel(), "Tensor: shape ", shape.str(), " needs ",
                  numel(), " values, got ", values.size());
        std::copy(values.begin(), values.end(), data_);
    }

    static Tensor empty(const Shape& shape) {
        Tensor t;
        t.shape_ = shape;
        // Shape bounds numel() by 2^63 - 1, not numel() * sizeof(T) + kAlignment: check that it fits.
        INK_CHECK(shape.numel() <= (PTRDIFF_MAX - index_t(kAlignment)) / index_t(sizeof(T)), "Tensor: shape ",
                  shape.str(), " has ", shape.numel(), " elements of ", sizeof(T), " bytes: more than memory can address");
        const std::size_t bytes = static_cast<std::size_t>(shape.numel()) * sizeof(T);
        auto* block = static_cast<char*>(aligned_malloc(bytes + kAlignment));
        t.header_ = new (block) detail::StorageHeader{{1}, bytes};
        t.data_ = reinterpret_cast<T*>(block + kAlignment);
        return t;
    }
    static Tensor zeros(const Shape& shape) { return Tensor(shape); }
    static Tensor full(const Shape& shape, T value) {
        Tensor t = empty(shape);
        t.fill(value);
        return t;
    }
    // Random tensors: exactly rng.fill_uniform / fill_normal over numel() values in row-major order,
    // so they consume the same Philox blocks as filling an empty tensor by hand.
    static Tensor uniform(const Shape& shape, Rng& rng, T lo, T hi) {
        Tensor t = empty(shape);
        rng.fill_uniform(t.data_, t.numel(), lo, hi);
        return t;
    }
    static Tensor normal(const Shape& shape, Rng& rng, T mean, T stddev) {
        Tensor t = empty(shape);
        rng.fill_normal(t.data_, t.numel(), mean, stddev);
        return t;
    }
    static Tensor ones(const Shape& shape) { return full(shape, T(1)); }
    static Tensor scalar(T value) { return full(Shape{}, value); }
    static Tensor from_vector(const Shape& shape, const std::vector<T>& values) {
        Tensor t = empty(shape);
        INK_CHECK(static_cast<index_t>(values.size()) == t.numel(), "Tensor::from_vector: shape ", shape.str(),
                  " needs ", t.numel(), " values, got ", values.size());
        std::copy(values.begin(), values.end(), t.data_);
        return t;
    }

    Tensor(const Tensor& o) : header_(o.header_), data_(o.data_), shape_(o.shape_) { retain(); }
    Tensor(Tensor&& o) noexcept : header_(o.header_), data_(o.data_), shape_(o.shape_) {
        o.header_ = nullptr;
        o.data_ = nullptr;
        o.shape_ = Shape{};
    }
    Tensor& operator=(const Tensor& o) {
        if (this != &o) {
            Tensor tmp(o);
            swap(tmp);
        }
        return *this;
    }
    Tensor& operator=(Tensor&& o) noexcept {
        Tensor tmp(std::move(o));
        swap(tmp);
        return *this;
    }
    ~Tensor() { release(); }

    void swap(Tensor& o) noexcept {
        std::swap(header_, o.header_);
        std::swap(data_, o.data_);
        std::swap(shape_, o.shape_);
    }

    bool defined() const { return header_ != nullptr; }
    const Shape& shape() const { return shape_; }
    int rank() const { return shape_.rank(); }
    index_t dim(int i) const { return shape_[i]; }
    index_t numel() const { return shape_.numel(); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    T* begin() { return data_; }
    T* end() { return data_ + numel(); }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + numel(); }

    // Flat (row-major) element access, bounds-checked in debug builds.
    T& operator[](index_t i) {
        INK_ASSERT(i >= 0 && i < numel());
        return data_[i];
    }
    const T& operator[](index_t i) const {
        INK_ASSERT(i >= 0 && i < numel());
        return data_[i];
    }
    // Multi-index access t(i, j, ...), bounds-checked in debug builds.
    template <class... I>
    T& operator()(I... idx) {
        return data_[offset_of(static_cast<index_t>(idx)...)];
    }
    template <class... I>
    const T& operator()(I... idx) const {
        return data_[offset_of(static_cast<index_t>(idx)...)];
    }

    // The only element of a one-element tensor.
    T item() const {
        INK_CHECK(numel() == 1, "Tensor::item: expected a tensor with one element, got shape ", shape_.str());
        return data_[0];
    }

    // A view of rows [begin, end) along dimension 0, sharing storage.
    Tensor rows(index_t begin, index_t end) const {
        INK_CHECK(rank() >= 1, "Tensor::rows: expected rank >= 1, got shape ", shape_.str());
        INK_CHECK(0 <= begin && begin <= end && end <= shape_[0], "Tensor::rows: range [", begin, ", ", end,
                  ") is outside dimension 0 of shape ", shape_.str());
        Tensor v(*this);
        v.data_ = data_ + begin * shape_.row_size();
        v.shape_ = shape_.with_dim(0, end - begin);
        return v;
    }
    // A view of row i along dimension 0, with that dimension removed.
    Tensor row(index_t i) const {
        Tensor v = rows(i, i + 1);
        v.shape_ = Shape(shape_.begin() + 1, shape_.end());
        return v;
    }
    // A view with another shape of the same number of elements. One extent may be -1 (inferred).
    // Makes no heap allocation (shapes live inline), so it is free to call in a training step.
    Tensor reshape(std::initializer_list<index_t> dims) const {
        return reshape_dims(dims.begin(), static_cast<int>(dims.size()));
    }
    Tensor reshape(const std::vector<index_t>& dims) const {
        return reshape_dims(dims.data(), static_cast<int>(dims.size()));
    }
    Tensor reshape(const Shape& s) const { return reshape_dims(s.begin(), s.rank()); }

    Tensor clone() const {
        if (!defined()) return Tensor();
        Tensor t = empty(shape_);
        std::copy(data_, data_ + numel(), t.data_);
        return t;
    }
    void fill(T value) { std::fill(data_, data_ + numel(), value); }
    // Copies the values of `src`, which must have the same number of elements.
    void copy_from(const Tensor& src) {
        INK_CHECK(src.numel() == numel(), "Tensor::copy_from: destination shape ", shape_.str(),
                  " and source shape ", src.shape().str(), " differ in size");
        std::copy(src.data_, src.data_ + numel(), data_);
    }
    std::vector<T> to_vector() const { return {data_, data_ + numel()}; }
    template <class U>
    Tensor<U> cast() const {
        Tensor<U> t = Tensor<U>::empty(shape_);
        std::transform(data_, data_ + numel(), t.data(), [](T v) { return static_cast<U>(v); });
        return t;
    }

    bool shares_storage_with(const Tensor& o) const { return header_ && header_ == o.header_; }
    long use_count() const { return header_ ? header_->refs.load() : 0; }

private:
    Tensor reshape_dims(const index_t* given, int n) const {
        INK_CHECK(n <= Shape::kMaxRank, "Tensor::reshape: rank ", n, " exceeds the maximum rank ", Shape::kMaxRank);
        index_t dims[Shape::kMaxRank];
        index_t known = 1;
        int infer = -1;
        for (int i = 0; i < n; ++i) {
            dims[i] = given[i];
            if (dims[i] == -1) {
                INK_CHECK(infer < 0, "Tensor::reshape: more than one -1 extent");
                infer = i;
            } else {
                known *= dims[i];
            }
        }
        if (infer >= 0) {
            INK_CHECK(known > 0 && numel() % known == 0, "Tensor::reshape: cannot infer the -1 extent for ",
                      numel(), " elements of shape ", shape_.str());
            dims[infer] = numel() / known;
        }
        const Shape s(dims, dims + n);
        INK_CHECK(s.numel() == numel(), "Tensor::reshape: shape ", shape_.str(), " (", numel(),
                  " elements) cannot become ", s.str(), " (", s.numel(), " elements)");
        Tensor v(*this);
        v.shape_ = s;
        return v;
    }

    template <class... I>
    index_t offset_of(I... idx) const {
        static_assert(sizeof...(I) >= 1);
        INK_ASSERT(static_cast<int>(sizeof...(I)) == rank());
        const index_t ids[] = {idx...};
        index_t off = 0;
        for (int d = 0; d < static_cast<int>(sizeof...(I)); ++d) {
            INK_ASSERT(ids[d] >= 0 && ids[d] < shape_[d]);
            off = off * shape_[d] + ids[d];
        }
        return off;
    }
    void retain() {
        if (header_) header_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    void release() {
        if (header_ && header_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            const std::size_t bytes = header_->bytes;
            header_->~StorageHeader();
            aligned_free(header_, bytes + kAlignment);
        }
        header_ = nullptr;
        data_ = nullptr;
    }

    detail::StorageHeader* header_ = nullptr;
    T* data_ = nullptr;
    Shape shape_;
};

// Checks that two tensors have the same shape; `what` names the operation in the message.
template <class T, class U>
void check_same_shape(const char* what, const Tensor<T>& a, const Tensor<U>& b) {
    INK_CHECK(a.shape() == b.shape(), what, ": shapes ", a.shape().str(), " and ", b.shape().str(),
              " must be equal");
}

}  // namespace ink
