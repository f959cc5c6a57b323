#pragma once
// Module<T>: named parameters and nested submodules.
//
// A layer registers its parameters (register_parameter) and its sublayers (register_module) under
// short names; named_parameters() joins them with '.' ("encoder.gcnn1.conv.weight"), and these names
// are the keys of checkpoints. Parameters are Var handles shared with the layer's members, so an
// optimizer or a checkpoint loader that writes into value() updates the layer.
//
// Modules register their members by address, so they can be neither copied nor moved: build them in
// place (members, std::make_unique, or a function returning a prvalue).
#include <string>
#include <utility>
#include <vector>

#include "ink/autograd/var.hpp"
#include "ink/core/error.hpp"

namespace ink::nn {

template <class T>
using NamedParameters = std::vector<std::pair<std::string, Var<T>>>;

template <class T>
class Module {
public:
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    virtual ~Module() = default;

    // Every parameter of this module and its submodules, depth first in registration order.
    NamedParameters<T> named_parameters() const {
        NamedParameters<T> out;
        collect("", out);
        return out;
    }
    std::vector<Var<T>> parameters() const {
        std::vector<Var<T>> out;
        for_each_parameter([&](const Var<T>& p) { out.push_back(p); });
        return out;
    }
    // The total number of scalars in the parameters.
    index_t num_parameters() const {
        index_t n = 0;
        for_each_parameter([&](const Var<T>& p) { n += p.numel(); });
        return n;
    }

    // Training or evaluation mode, set recursively (layers such as dropout would read it).
    void train(bool on = true) {
        training_ = on;
        for (auto& [name, m] : children_) m->train(on);
    }
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // Drops the gradient of every parameter (allocates nothing: call it every step).
    void zero_grad() {
        for_each_parameter([](Var<T> p) { p.zero_grad(); });
    }

    const NamedParameters<T>& own_parameters() const { return params_; }
    const std::vector<std::pair<std::string, Module*>>& children() const { return children_; }

protected:
    // Adds a parameter (requiring grad) under `name`; returns the handle to keep as a member.
    Var<T> register_parameter(const std::string& name, Tensor<T> value) {
        check_name(name);
        params_.emplace_back(name, Var<T>(std::move(value), true));
        return params_.back().second;
    }
    // Adds `child` (which must outlive this module: normally a member) under `name`.
    template <class M>
    M& register_module(const std::string& name, M& child) {
        check_name(name);
        children_.emplace_back(name, &child);
        return child;
    }

private:
    void check_name(const std::string& name) const {
        INK_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: invalid name '", name,
                  "' (expected non-empty, without '.')");
        for (const auto& [n, p] : params_) INK_CHECK(n != name, "Module: the name '", name, "' is already used");
        for (const auto& [n, m] : children_) INK_CHECK(n != name, "Module: the name '", name, "' is already used");
    }
    template <class Fn>
    void for_each_parameter(Fn&& fn) const {
        for (const auto& [name, p] : params_) fn(p);
        for (const auto& [name, m] : children_) m->for_each_parameter(fn);
    }
    void collect(const std::string& prefix, NamedParameters<T>& out) const {
        for (const auto& [name, p] : params_) out.emplace_back(prefix + name, p);
        for (const auto& [name, m] : children_) m->collect(prefix + name + ".", out);
    }

    NamedParameters<T> params_;
    std::vector<std::pair<std::string, Module*>> children_;
    bool training_ = true;
};

}  // namespace ink::nn
