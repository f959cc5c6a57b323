#pragma once
// Optimizer<T>: the base of SGD, Adam/AdamW and RMSprop.
//
// An optimizer holds named parameters (Var handles: it updates value() in place from grad()) and, per
// parameter, the state buffers its rule needs ("slots": a momentum, moment estimates). Buffers are
// allocated once, at construction, so a step allocates nothing. Parameters whose grad() is undefined
// (no backward reached them, or zero_grad() dropped it) are skipped by step().
//
// State for checkpoints: state() lists "<parameter name>.<slot>" -> the live buffer, steps() the step
// count the bias corrections use. Restoring is validate-then-commit: check_lr(), check_steps() and
// check_state_tensor() say whether a saved value is acceptable without changing anything (a checkpoint
// runs them on every field before it touches the model), and restore() replaces the whole state or,
// if any check fails, nothing.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ink/autograd/var.hpp"
#include "ink/core/error.hpp"
#include "ink/nn/module.hpp"  // NamedParameters, what Module::named_parameters() returns (a light header)

namespace ink::optim {

using nn::NamedParameters;

// A state buffer the rule keeps per parameter, and whether its elements must be >= 0 (a second-moment
// estimate: a negative one would make the update's square root NaN).
struct Slot {
    std::string name;
    bool non_negative = false;
};

namespace detail {
// Throws "<field> = <value> is out of range: expected <expected>" unless `ok`; `field` names the
// option and its owner ("Adam: lr", "checkpoint 'run.safetensors': ink.optimizer.lr").
template <class V>
void check_range(bool ok, std::string_view field, V value, std::string_view expected) {
    INK_CHECK(ok, field, " = ", value, " is out of range: expected ", expected);
}
// Learning rates and eps: > 0, finite and not subnormal (NaN fails every comparison: refused too).
inline void check_positive(std::string_view field, double x) {
    check_range(x > 0 && std::isnormal(x), field, x, "a finite number > 0 (not subnormal)");
}
// Betas, rho and momentum.
inline void check_fraction(std::string_view field, double x) { check_range(x >= 0 && x < 1, field, x, "[0, 1)"); }
// Weight decay.
inline void check_non_negative(std::string_view field, double x) {
    check_range(x >= 0 && std::isfinite(x), field, x, "a finite number >= 0");
}
}  // namespace detail

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
    void set_lr(double lr) {
        check_lr(lr, std::string(name()) + ": lr");
        lr_ = lr;
    }

    // The largest step count: step() adds one to it.
    static constexpr std::int64_t kMaxSteps = std::numeric_limits<std::int64_t>::max() - 1;
    std::int64_t steps() const { return steps_; }
    void set_steps(std::int64_t n) {
        check_steps(n, std::string(name()) + ": steps");
        steps_ = n;
    }

    // The rules for a learning rate and a step count; `field` names the value in the message.
    static void check_lr(double lr, std::string_view field) { detail::check_positive(field, lr); }
    static void check_steps(std::int64_t n, std::string_view field) {
        detail::check_range(n >= 0 && n <= kMaxSteps, field, n, "0 to " + std::to_string(kMaxSteps));
    }
    // Throws naming `field` unless `t` can replace buffer k of state(): the same shape, finite elements,
    // and none below 0 in a non-negative slot. Changes nothing.
    void check_state_tensor(std::size_t k, const Tensor<T>& t, std::string_view field) const {
        INK_CHECK(k < slots_.size() * params_.size(), field, ": ", name(), " has no state buffer ", k, " (it has ",
                  slots_.size() * params_.size(), ")");
        const Slot& slot = slot_info_[k / params_.size()];
        const Tensor<T>& live = slots_[k / params_.size()][k % params_.size()];
        INK_CHECK(t.defined() && t.shape() == live.shape(), field, ": shape ", t.defined() ? t.shape().str() : "none",
                  ", expected ", live.shape().str());
        const T* v = t.data();
        for (index_t i = 0; i < t.numel(); ++i)
            if (!std::isfinite(v[i]) || (slot.non_negative && v[i] < 0))
                ink::detail::fail(field, ": element ", i, " is ", v[i], ", expected a finite number",
                                  slot.non_negative ? " >= 0 (" + slot.name + " is a second-moment estimate)" : "");
    }
    // Replaces the step count, the learning rate and every buffer of state() (in its order) by saved
    // ones, all or nothing: every value is checked before anything changes.
    void restore(std::int64_t steps, double lr, const std::vector<Tensor<T>>& buffers) {
        const std::string who = name();
        check_steps(steps, who + ": steps");
        check_lr(lr, who + ": lr");
        auto live = state();
        INK_CHECK(buffers.size() == live.size(), who, ": restore needs ", live.size(), " state buffers, got ",
                  buffers.size());
        for (std::size_t k = 0; k < buffers.size(); ++k)
            check_state_tensor(k, buffers[k], who + ": state '" + live[k].first + "'");
        for (std::size_t k = 0; k < buffers.size(); ++k) live[k].second.copy_from(buffers[k]);
        steps_ = steps;
        lr_ = lr;
    }

    const NamedParameters<T>& parameters() const { return params_; }

    // "<parameter>.<slot>" -> the live state buffer, slot by slot, each in parameter order.
    std::vector<std::pair<std::string, Tensor<T>>> state() const {
        std::vector<std::pair<std::string, Tensor<T>>> out;
        for (std::size_t s = 0; s < slot_info_.size(); ++s)
            for (std::size_t i = 0; i < params_.size(); ++i)
                out.emplace_back(params_[i].first + "." + slot_info_[s].name, slots_[s][i]);
        return out;
    }

protected:
    // `lr` is checked by the derived constructor, which knows the rule's name for the message.
    Optimizer(NamedParameters<T> params, double lr, std::vector<Slot> slot_info)
        : params_(std::move(params)), slot_info_(std::move(slot_info)), lr_(lr) {
        for (const auto& [n, p] : params_) INK_CHECK(p.defined(), "optimizer: parameter '", n, "' is undefined");
        slots_.resize(slot_info_.size());
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
    std::vector<Slot> slot_info_;
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
