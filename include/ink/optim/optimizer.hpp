#pragma once
// Optimizer<T>: the base of SGD, Adam/AdamW and RMSprop.
//
// An optimizer holds named parameters (Var handles: it updates value() in place from grad()) and, per
// parameter, the state buffers its rule needs ("slots": a momentum, moment estimates). Buffers are
// allocated once, at construction, so a step allocates nothing. Parameters whose grad() is undefined
// (no backward reached them, or zero_grad() dropped it) are skipped by step().
//
// State for checkpoints: state() lists "<parameter name>.<slot>" -> the live buffer (copying into a
// buffer restores it), and steps() / set_steps() the step count the bias corrections use.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ink/autograd/var.hpp"
#include "ink/core/error.hpp"
#include "ink/nn/module.hpp"  // NamedParameters, what Module::named_parameters() returns (a light header)

namespace ink::optim {

using nn::NamedParameters;

template <class T>
class Optimizer {
public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    // The rule's name ("Adam", ...): checkpoints record it and refuse to load another rule's state.
    virtual const char* name() const = 0;

    // One update of every parameter that has a gradient.
    void step() {
        ++steps_;
        begin_step();
        for (std::size_t i = 0; i < params_.size(); ++i) {
            Var<T>& p = params_[i].second;
            const Tensor<T>& g = p.grad();
            if (!g.defined()) continue;
            INK_CHECK(g.numel() == p.numel(), name(), ": the gradient of '", params_[i].first, "' has shape ",
                      g.shape().str(), ", the parameter ", p.shape().str());
            update(i, p.numel(), p.value().data(), g.data());
        }
    }
    // Drops every parameter's gradient.
    void zero_grad() {
        for (auto& [name, p] : params_) p.zero_grad();
    }

    double lr() const { return lr_; }
    void set_lr(double lr) { lr_ = lr; }

    std::int64_t steps() const { return steps_; }
    void set_steps(std::int64_t n) {
        INK_CHECK(n >= 0, name(), ": the step count must be non-negative, got ", n);
        steps_ = n;
    }

    const NamedParameters<T>& parameters() const { return params_; }

    // "<parameter>.<slot>" -> the live state buffer, in parameter order.
    std::vector<std::pair<std::string, Tensor<T>>> state() const {
        std::vector<std::pair<std::string, Tensor<T>>> out;
        for (std::size_t s = 0; s < slot_names_.size(); ++s)
            for (std::size_t i = 0; i < params_.size(); ++i)
                out.emplace_back(params_[i].first + "." + slot_names_[s], slots_[s][i]);
        return out;
    }

protected:
    Optimizer(NamedParameters<T> params, double lr, std::vector<std::string> slot_names)
        : params_(std::move(params)), slot_names_(std::move(slot_names)), lr_(lr) {
        for (const auto& [n, p] : params_) INK_CHECK(p.defined(), "optimizer: parameter '", n, "' is undefined");
        slots_.resize(slot_names_.size());
        for (auto& slot : slots_)
            for (const auto& [n, p] : params_) slot.push_back(Tensor<T>::zeros(p.shape()));
    }

    // Called once per step before the updates (to compute bias corrections).
    virtual void begin_step() {}
    // Updates the n elements of parameter i: p from its gradient g and its slots.
    virtual void update(std::size_t i, index_t n, T* p, const T* g) = 0;

    T* slot(std::size_t s, std::size_t i) { return slots_[s][i].data(); }

private:
    NamedParameters<T> params_;
    std::vector<std::string> slot_names_;
    std::vector<std::vector<Tensor<T>>> slots_;  // [slot][parameter]
    double lr_;
    std::int64_t steps_ = 0;
};

// Names "0", "1", ... for a plain list of parameters.
template <class T>
NamedParameters<T> numbered(const std::vector<Var<T>>& params) {
    NamedParameters<T> out;
    for (std::size_t i = 0; i < params.size(); ++i) out.emplace_back(std::to_string(i), params[i]);
    return out;
}

}  // namespace ink::optim
