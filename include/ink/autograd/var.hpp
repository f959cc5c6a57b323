#pragma once
// Var<T>: a value in a dynamic autodiff graph (define by run), and the graph's nodes.
//
// A Var is a cheap handle (an intrusive reference count) to a Node. A leaf node holds a tensor the user
// made; an op node also holds the Vars it was computed from and knows how to send a gradient back to
// them. Ops record a node only when grad mode is on (no NoGradGuard alive) and an input requires a
// gradient; otherwise their result is a plain leaf that does not require grad.
//
// Not thread-safe: a graph is built and differentiated on one thread (kernels parallelise inside).
#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "ink/autograd/node_kinds.hpp"
#include "ink/autograd/node_pool.hpp"
#include "ink/core/error.hpp"
#include "ink/core/tensor.hpp"

namespace ink {

// ---- grad mode -----------------------------------------------------------------------------------

namespace detail {
inline bool& grad_mode() {
    thread_local bool enabled = true;
    return enabled;
}
}  // namespace detail

// True unless a NoGradGuard is alive on this thread (or backward runs without create_graph).
inline bool grad_enabled() { return detail::grad_mode(); }

// RAII: sets grad mode for its scope and restores the previous mode on exit.
class GradModeGuard {
public:
    explicit GradModeGuard(bool enabled) : previous_(detail::grad_mode()) { detail::grad_mode() = enabled; }
    ~GradModeGuard() { detail::grad_mode() = previous_; }
    GradModeGuard(const GradModeGuard&) = delete;
    GradModeGuard& operator=(const GradModeGuard&) = delete;

private:
    bool previous_;
};

// RAII: no graph is recorded inside its scope (evaluation, optimizer updates).
class NoGradGuard : public GradModeGuard {
public:
    NoGradGuard() : GradModeGuard(false) {}
};

// Options of ink::grad(). With create_graph the returned gradients carry a graph of their own (they
// can be differentiated again); it implies retain_graph. Without retain_graph the graph's saved state
// is freed after the call, and a second backward through it throws.
struct GradOptions {
    bool create_graph = false;
    bool retain_graph = false;
};

template <class T>
class Node;

namespace detail {

// The type-erased part of a node: the reference count, pooled allocation and iterative destruction.
class NodeBase {
public:
    NodeBase() = default;
    NodeBase(const NodeBase&) = delete;
    NodeBase& operator=(const NodeBase&) = delete;
    virtual ~NodeBase() = default;

    static void* operator new(std::size_t bytes) { return NodePool::allocate(bytes); }
    static void operator delete(void* p, std::size_t bytes) { NodePool::deallocate(p, bytes); }

    void retain() { ++refs_; }
    void release() {
        if (--refs_ == 0) destroy(this);
    }
    long refs() const { return refs_; }

private:
    // Deleting a node releases its inputs, which may delete them in turn: along a chain of 100,000 ops
    // plain recursion would overflow the stack. Nodes to delete are queued on an intrusive list and
    // deleted by the outermost call only.
    static void destroy(NodeBase* n) {
        thread_local NodeBase* pending = nullptr;
        thread_local bool draining = false;
        n->next_dead_ = pending;
        pending = n;
        if (draining) return;
        draining = true;
        while (pending) {
            NodeBase* m = pending;
            pending = m->next_dead_;
            delete m;
        }
        draining = false;
    }

    long refs_ = 0;
    NodeBase* next_dead_ = nullptr;
};

}  // namespace detail

// ---- Var -----------------------------------------------------------------------------------------

template <class T>
class Var {
    static_assert(std::is_floating_point_v<T>, "Var<T>: T must be float or double");

public:
    using value_type = T;

    // An undefined Var (defined() is false).
    Var() = default;
    // A leaf holding `value`.
    explicit Var(Tensor<T> value, bool requires_grad = false);
    // Shares ownership of an existing node (used by ops and the engine).
    explicit Var(Node<T>* node) : node_(node) {
        if (node_) node_->retain();
    }

    Var(const Var& o) : node_(o.node_) {
        if (node_) node_->retain();
    }
    Var(Var&& o) noexcept : node_(o.node_) { o.node_ = nullptr; }
    Var& operator=(const Var& o) {
        Var tmp(o);
        std::swap(node_, tmp.node_);
        return *this;
    }
    Var& operator=(Var&& o) noexcept {
        Var tmp(std::move(o));
        std::swap(node_, tmp.node_);
        return *this;
    }
    ~Var() {
        if (node_) node_->release();
    }

    bool defined() const { return node_ != nullptr; }

    // The forward value (optimizers update it in place). On a temporary Var the value comes back by
    // value (sharing storage), so `for (T e : grad(f, x).value())` cannot read a freed node.
    const Tensor<T>& value() const& { return checked()->value; }
    Tensor<T>& value() & { return checked()->value; }
    Tensor<T> value() && { return checked()->value; }
    // The gradient accumulated by backward(); an undefined tensor until a backward reaches this Var.
    const Tensor<T>& grad() const& { return checked()->grad; }
    Tensor<T>& grad() & { return checked()->grad; }
    Tensor<T> grad() && { return checked()->grad; }

    // False for an undefined Var.
    bool requires_grad() const { return node_ && node_->requires_grad; }
    // Only leaves can change it: an op's result requires grad exactly when one of its inputs does.
    void set_requires_grad(bool on) {
        INK_CHECK(is_leaf(), "Var::set_requires_grad: only a leaf can change requires_grad (this Var is the "
                             "result of ", node_->name(), "); use detach() first");
        node_->requires_grad = on;
    }
    // Drops the gradient; the next backward stores a fresh one (no zero-filling pass).
    void zero_grad() { checked()->grad = Tensor<T>(); }

    // True for Vars made by the user (or by an op that recorded no graph).
    bool is_leaf() const { return checked()->is_leaf(); }
    const Shape& shape() const { return value().shape(); }
    index_t numel() const { return value().numel(); }
    int rank() const { return value().rank(); }
    index_t dim(int i) const { return value().dim(i); }
    T item() const { return value().item(); }

    // The same value (shared storage), without history and not requiring grad.
    Var detach() const { return Var(value()); }

    // Differentiates this one-element Var (seed 1), accumulating into every leaf's grad(); frees the
    // graph's saved state (pass retain_graph to call it again).
    void backward(bool retain_graph = false) const;
    // The same for any shape, from the gradient `seed` of this Var's shape.
    void backward(const Tensor<T>& seed, bool retain_graph = false) const;

    Node<T>* node() const { return node_; }

private:
    Node<T>* checked() const {
        INK_CHECK(node_ != nullptr, "Var: this Var is undefined (default-constructed)");
        return node_;
    }

    Node<T>* node_ = nullptr;
};

// ---- nodes ---------------------------------------------------------------------------------------

// A node of the graph: a leaf (no inputs) or the result of an op. Ops derive from OpNode below.
template <class T>
class Node : public detail::NodeBase {
public:
    explicit Node(Tensor<T> v, bool needs_grad = false) : value(std::move(v)), requires_grad(needs_grad) {}

    Tensor<T> value;
    Tensor<T> grad;  // leaves only: accumulated by backward()
    bool requires_grad = false;

    bool is_leaf() const { return leaf_; }
    // Which op made this node (autograd/node_kinds.hpp); every op node type overrides it.
    virtual NodeKind kind() const { return NodeKind::leaf; }
    // The op's name, for error messages.
    const char* name() const { return node_kind_name(kind()); }

    // Given gy = d out / d this (this node's shape), sets gx[i] = d out / d input i for every i with
    // needs[i] (leaving the others undefined). Runs with grad mode on exactly when the caller asked for
    // create_graph: then it must compute with differentiable ops on Vars; otherwise it may (and
    // should) call the kernels directly on tensors.
    virtual void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) {
        (void)gy, (void)gx, (void)needs;
    }

    int num_inputs() const { return num_inputs_; }
    const Var<T>& input(int i) const { return inputs_[i]; }
    bool freed() const { return freed_; }

    // Drops what backward needed (inputs, saved tensors): called by a backward without retain_graph.
    void free_graph() {
        release_saved();
        for (int i = 0; i < num_inputs_; ++i) inputs_[i] = Var<T>();
        freed_ = true;
    }

protected:
    void set_inputs(Var<T>* inputs, int n) {
        inputs_ = inputs;
        num_inputs_ = n;
        leaf_ = false;
    }
    // Ops that save tensors besides their inputs drop them here.
    virtual void release_saved() {}

private:
    Var<T>* inputs_ = nullptr;
    int num_inputs_ = 0;
    bool leaf_ = true;
    bool freed_ = false;

public:
    // Scratch state of the backward engine (engine.hpp), valid during one backward pass only.
    struct Scratch {
        std::uint64_t visit = 0;   // the pass that last visited this node
        std::uint64_t target = 0;  // the pass in which this node is an input of grad()
        std::size_t slot = 0;      // its position among grad()'s inputs
        bool needed = false;       // some target is reachable from here
        Var<T> pending;            // the gradient summed so far
    } scratch;
};

// An op node with N inputs, all Vars (undefined ones, e.g. an absent bias, are allowed).
template <class T, int N>
class OpNode : public Node<T> {
public:
    OpNode(Tensor<T> y, std::array<Var<T>, N> inputs) : Node<T>(std::move(y), true), in_(std::move(inputs)) {
        this->set_inputs(in_.data(), N);
    }

protected:
    // This node as a Var: ops-level backward formulas that use the output (sigmoid's y) need it.
    Var<T> self() { return Var<T>(static_cast<Node<T>*>(this)); }

    std::array<Var<T>, N> in_;
};

template <class T>
Var<T>::Var(Tensor<T> value, bool requires_grad) : Var(new Node<T>(std::move(value), requires_grad)) {}

// True when an op on these inputs must record a node: grad mode is on and one of them requires grad.
template <class... V>
bool recording(const V&... inputs) {
    return grad_enabled() && (inputs.requires_grad() || ...);
}

// Makes an op's result: a node of type NodeT when recording, else a plain leaf holding y.
template <class NodeT, class T, class... Args>
Var<T> make_result(bool record, Tensor<T> y, Args&&... saved) {
    if (!record) return Var<T>(std::move(y));
    return Var<T>(static_cast<Node<T>*>(new NodeT(std::move(y), std::forward<Args>(saved)...)));
}

}  // namespace ink

