// A user's program: includes the whole library, runs one GEMM, and one training step exactly as
// README.md shows it (keep the two in sync: this test is what keeps the README honest).
#include <ink/ink.hpp>

#include <cstdio>

int main() {
    ink::Tensor<float> a(ink::Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    ink::Tensor<float> b(ink::Shape{3, 2}, {1, 0, 0, 1, 1, 1});
    ink::Tensor<float> c(ink::Shape{2, 2});
    ink::kernels::gemm(ink::kernels::Trans::No, ink::kernels::Trans::No, 2, 2, 3, 1.0f, a.data(), 3, b.data(), 2,
                       0.0f, c.data(), 2);
    const bool gemm_ok = c(0, 0) == 4 && c(0, 1) == 5 && c(1, 0) == 10 && c(1, 1) == 11;

    // README: "Use ink in your project"
    ink::Rng rng(1);
    ink::nn::Linear<float> layer(784, 256, rng);
    ink::optim::Adam<float> adam(layer.named_parameters(), {.lr = 1e-3});
    ink::Var<float> x(ink::Tensor<float>(ink::Shape{100, 784}));
    ink::Var<float> loss = ink::mean(ink::square(ink::relu(layer(x))));
    loss.backward();
    adam.step();

    const bool step_ok = layer.named_parameters().size() == 2 && loss.value().numel() == 1;
    std::printf("consumer: gemm %s, training step %s\n", gemm_ok ? "ok" : "WRONG", step_ok ? "ok" : "WRONG");
    return gemm_ok && step_ok ? 0 : 1;
}
