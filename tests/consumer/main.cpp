// Includes the whole library and runs one GEMM, as a user's program would.
#include <ink/ink.hpp>

#include <cstdio>

int main() {
    ink::Tensor<float> a(ink::Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    ink::Tensor<float> b(ink::Shape{3, 2}, {1, 0, 0, 1, 1, 1});
    ink::Tensor<float> c(ink::Shape{2, 2});
    ink::kernels::gemm(ink::kernels::Trans::No, ink::kernels::Trans::No, 2, 2, 3, 1.0f, a.data(), 3, b.data(), 2,
                       0.0f, c.data(), 2);
    const bool ok = c(0, 0) == 4 && c(0, 1) == 5 && c(1, 0) == 10 && c(1, 1) == 11;
    std::printf("consumer: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
