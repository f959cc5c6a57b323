#pragma once
// ink's one SIMD layer. Vec<T> (T = float or double) holds one register of the widest instruction set
// enabled at compile time; the GEMM micro-kernel, conv1d, softmax, element-wise maps, reductions and
// the optimizers are written once against Vec and the free functions below.
//
//   AVX-512F         16 floats / 8 doubles, 32 registers   isa/avx512.hpp   (__AVX512F__)
//   AVX2 + FMA        8 floats / 4 doubles, 16 registers   isa/avx2.hpp     (__AVX2__ and __FMA__)
//   WebAssembly SIMD  4 floats / 2 doubles, no FMA          isa/wasm_simd128.hpp (__wasm_simd128__)
//   portable          1 lane, plain C++                     isa/scalar.hpp   (anything else)
//
// Adding an instruction set is one block: a file
// isa/<name>.hpp that defines, in ink::simd,
//   kIsa (its name), kGemmTileRows / kGemmTileVectors (the GEMM's register tile, chosen for its register file),
//   Native<float> / Native<double> (register and mask types), and in ink::simd::isa the primitives
//   set1 loadu storeu load_first store_first fma max min sqrt abs lt eq select hsum hmax, and for
//   float round ldexp mantissa exponent (used by math.hpp) and bf16_low bf16_high (bf16.hpp),
//   kHasBf16Dot, and where it is true dot_bf16 bf16_pairs_of_run bf16_pairs_of_lanes,
// plus one #elif line below. Nothing outside isa/ names an intrinsic except where a kernel needs an
// instruction that has no portable equivalent, and then it sits next to a Vec fallback.
// Arithmetic operators come from the compilers' vector extensions (GCC and Clang define __m512 and
// friends as vector types).
#include <type_traits>

#include "ink/core/shape.hpp"

#if defined(__AVX512F__)
#include "ink/simd/isa/avx512.hpp"
#elif defined(__AVX2__) && defined(__FMA__)
#include "ink/simd/isa/avx2.hpp"
#elif defined(__wasm_simd128__)
#include "ink/simd/isa/wasm_simd128.hpp"
#else
#include "ink/simd/isa/scalar.hpp"
#endif

namespace ink::simd {

// ---- Vec: one register of T, with the operators the kernels use -------------------------------------
template <class T>
struct Vec {
    using value_type = T;
    using native = typename Native<T>::type;
    using Mask = typename Native<T>::mask;
    static constexpr index_t width = static_cast<index_t>(sizeof(native) / sizeof(T));

    native v;

    Vec() = default;
    Vec(native x) : v(x) {}  // implicit, so that the primitives' results convert back
    // Broadcast (in the scalar build native is T and the constructor above does it).
    explicit Vec(T a)
        requires(!std::is_same_v<native, T>)
        : v(isa::set1(a)) {}

    static Vec load(const T* p) { return isa::loadu(p); }
    // The first k < width lanes from p; the other lanes hold `fill` and no memory past p + k is read.
    static Vec load(const T* p, index_t k, T fill = T(0)) { return isa::load_first(p, k, isa::set1(fill)); }
    void store(T* p) const { isa::storeu(p, v); }
    // Stores the first k < width lanes only.
    void store(T* p, index_t k) const { isa::store_first(p, k, v); }

    friend Vec operator+(Vec a, Vec b) { return a.v + b.v; }
    friend Vec operator-(Vec a, Vec b) { return a.v - b.v; }
    friend Vec operator*(Vec a, Vec b) { return a.v * b.v; }
    friend Vec operator/(Vec a, Vec b) { return a.v / b.v; }
    friend Vec operator-(Vec a) { return -a.v; }
};

// a * b + c, fused (one rounding) where the hardware has FMA.
template <class T> Vec<T> fma(Vec<T> a, Vec<T> b, Vec<T> c) { return isa::fma(a.v, b.v, c.v); }
// Lane-wise max/min; when a lane of either operand is NaN, the lane of b is returned.
template <class T> Vec<T> max(Vec<T> a, Vec<T> b) { return isa::max(a.v, b.v); }
// The hardware's correctly rounded square root: unlike std::sqrt under the default -fmath-errno, it
// vectorises (the optimizers divide by sqrt(state) for every parameter).
template <class T> Vec<T> sqrt(Vec<T> a) { return isa::sqrt(a.v); }
template <class T> Vec<T> min(Vec<T> a, Vec<T> b) { return isa::min(a.v, b.v); }
template <class T> Vec<T> abs(Vec<T> a) { return isa::abs(a.v); }
template <class T> typename Vec<T>::Mask operator<(Vec<T> a, Vec<T> b) { return isa::lt(a.v, b.v); }
template <class T> typename Vec<T>::Mask operator>(Vec<T> a, Vec<T> b) { return isa::lt(b.v, a.v); }
template <class T> typename Vec<T>::Mask operator==(Vec<T> a, Vec<T> b) { return isa::eq(a.v, b.v); }
// Lane-wise m ? a : b.
template <class T> Vec<T> select(typename Vec<T>::Mask m, Vec<T> a, Vec<T> b) { return isa::select(m, a.v, b.v); }
// Hints that the cache line holding p will be read soon (never faults, whatever p is).
inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }
// Horizontal sum and max of the lanes (in a fixed order, so the result is deterministic).
template <class T> T hsum(Vec<T> a) { return isa::hsum(a.v); }
template <class T> T hmax(Vec<T> a) { return isa::hmax(a.v); }

// Lane selectors for loops over arrays: Full moves a whole register, Part only its first k lanes (a
// loop's tail). Loop bodies are generic over the two, so that they are written once.
struct Full {
    template <class T> Vec<T> load(const T* p, T /*fill*/ = T(0)) const { return Vec<T>::load(p); }
    template <class T> void store(T* p, Vec<T> v) const { v.store(p); }
};
struct Part {
    index_t k;
    // Lanes past k read as `fill`.
    template <class T> Vec<T> load(const T* p, T fill = T(0)) const { return Vec<T>::load(p, k, fill); }
    template <class T> void store(T* p, Vec<T> v) const { v.store(p, k); }
};

// Calls body(i, lanes) for i = 0, W, 2W, ... (W = Vec<T>::width) with lanes = Full{} while a whole
// register fits in [i, n), then once with Part{n - i} for the remainder, if any.
template <class T, class Body>
void for_chunks(index_t n, Body body) {
    constexpr index_t W = Vec<T>::width;
    index_t i = 0;
    for (; i + W <= n; i += W) body(i, Full{});
    if (i < n) body(i, Part{n - i});
}

}  // namespace ink::simd
