#pragma once
// Module<T>: named parameters and nested submodules.
//
// A layer registers its parameters (register_parameter) and its sublayers (register_module, or
// adopt_module for one it owns on the heap) under short names; named_parameters() joins them with
// '.' ("encoder.gcnn1.conv.weight"), and these names are the keys of checkpoints. Parameters are Var
// handles shared with the layer's members, so an optimizer or a checkpoint loader that writes into
// value() updates the layer.
//
// Modules move (not copy). A moved Var keeps its node, so the registered parameter handles move with
// the registry and still share the members' nodes. A member submodule is registered by its offset
// inside this module rather than by address, so after a move the registry finds the moved member,
// not the old one; the compiler's memberwise move is therefore right and no layer writes its own.
// An optimizer built before the move keeps updating the moved module: it holds the same nodes.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ink/autograd/var.hpp"
#include "ink/core/error.hpp"

namespace ink::nn {

// (name, parameter) pairs: what modules list and optimizers and checkpoints take.
template <class T>
using NamedParameters = std::vector<std::pair<std::string, Var<T>>>;

template <class T>
class Module {
public:
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    Module(Module&&) noexcept = default;
    Module& operator=(Module&&) noexcept = default;
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

    // Drops the gradient of every parameter (allocates nothing: call it every step).
    void zero_grad() {
        for_each_parameter([](Var<T> p) { p.zero_grad(); });
    }

protected:
    // Adds a parameter (requiring grad) under `name`; returns the handle to keep as a member.
    Var<T> register_parameter(const std::string& name, Tensor<T> value) {
        check_name(name);
        params_.emplace_back(name, Var<T>(std::move(value), true));
        return params_.back().second;
    }
    // Adds `child`, a data member of this module (also one inside a std::optional member), under
    // `name`. Its offset is what is kept, so that a moved module reaches its own moved member.
    template <class M>
    M& register_module(const std::string& name, M& child) {
        check_name(name);
        const Module& base = child;
        children_.push_back({name, reinterpret_cast<const char*>(&base) - reinterpret_cast<const char*>(this), {}});
        return child;
    }
    // Adds a submodule this module owns on the heap (nn::Sequential's layers): its address does not
    // change when this module moves.
    template <class M>
    M& adopt_module(const std::string& name, std::unique_ptr<M> child) {
        check_name(name);
        INK_CHECK(child != nullptr, "Module: adopt_module('", name, "') got no module");
        M& ref = *child;
        children_.push_back({name, 0, std::move(child)});
        return ref;
    }

private:
    struct Child {
        std::string name;
        std::ptrdiff_t offset;          // of a member, from this module's address
        std::unique_ptr<Module> owned;  // or the module itself, if owned on the heap
    };
    const Module& child(const Child& c) const {
        if (c.owned) return *c.owned;
        return *reinterpret_cast<const Module*>(reinterpret_cast<const char*>(this) + c.offset);
    }

    void check_name(const std::string& name) const {
        INK_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: invalid name '", name,
                  "' (expected non-empty, without '.')");
        for (const auto& [n, p] : params_) INK_CHECK(n != name, "Module: the name '", name, "' is already used");
        for (const Child& c : children_) INK_CHECK(c.name != name, "Module: the name '", name, "' is already used");
    }
    template <class Fn>
    void for_each_parameter(Fn&& fn) const {
        for (const auto& [name, p] : params_) fn(p);
        for (const Child& c : children_) child(c).for_each_parameter(fn);
    }
    void collect(const std::string& prefix, NamedParameters<T>& out) const {
        for (const auto& [name, p] : params_) out.emplace_back(prefix + name, p);
        for (const Child& c : children_) child(c).collect(prefix + c.name + ".", out);
    }

    NamedParameters<T> params_;
    std::vector<Child> children_;
};

}  // namespace ink::nn
