#pragma once
// The backward engine: Var::backward() and ink::grad().
//
// One pass: (1) an iterative depth-first search from the outputs lists the nodes that require grad in
// topological order (inputs before the ops that use them) and marks the nodes from which a target
// (a leaf for backward(), one of grad()'s inputs) can be reached; (2) the nodes are visited in reverse
// order: each one's summed gradient is complete by then, since all its consumers came first; it is
// handed to the node's backward, whose results are summed into its inputs' pending gradients.
// No recursion anywhere, so a graph of any depth works.
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "ink/autograd/var.hpp"
#include "ink/kernels/elementwise.hpp"

namespace ink {

// A listener for the moment a leaf's gradient is final in a backward() pass, so that work on it (a
// data-parallel allreduce, docs/distributed.md) can start while the rest of backward still runs.
// The engine visits the nodes in reverse topological order, so when it reaches a leaf every
// contribution to that leaf has been summed: it adds the sum to leaf.grad() once, then calls
// leaf_gradient_ready(leaf) on the listeners of the calling thread. Only backward() calls them (grad()
// leaves grad() alone), once per leaf the pass reached; leaves it did not reach get no call.
//
//     struct Log : ink::LeafGradientListener<float> {
//         void leaf_gradient_ready(const ink::Var<float>& leaf) override { ... leaf.grad() is final ... }
//     } log;                                // listens on this thread while it lives
//
// A listener listens on the thread that made it while it lives; the most recent is called first.
// They may end in any order (a data-parallel wrapper replaced by a new one ends after the new one
// starts).
template <class T>
class LeafGradientListener {
public:
    LeafGradientListener() { listeners().push_back(this); }
    virtual ~LeafGradientListener() {
        auto& all = listeners();
        all.erase(std::find(all.begin(), all.end(), this));
    }
    LeafGradientListener(const LeafGradientListener&) = delete;
    LeafGradientListener& operator=(const LeafGradientListener&) = delete;

    virtual void leaf_gradient_ready(const Var<T>& leaf) = 0;

    // Calls every listener of this thread (the engine does; without listeners this costs one load).
    static void notify(Node<T>* leaf) {
        auto& all = listeners();
        if (all.empty()) return;
        const Var<T> handle(leaf);
        for (auto it = all.rbegin(); it != all.rend(); ++it) (*it)->leaf_gradient_ready(handle);
    }

private:
    static std::vector<LeafGradientListener*>& listeners() {
        thread_local std::vector<LeafGradientListener*> all;
        return all;
    }
};

namespace detail {

// z = a + b for the engine's sums of gradients under create_graph (same shapes; backward: gy, gy).
template <class T>
class GradSumNode final : public OpNode<T, 2> {
public:
    GradSumNode(Tensor<T> y, Var<T> a, Var<T> b) : OpNode<T, 2>(std::move(y), {std::move(a), std::move(b)}) {}
    NodeKind kind() const override { return NodeKind::gradient_sum; }
    void backward(const Var<T>& gy, Var<T>* gx, const bool* needs) override {
        if (needs[0]) gx[0] = gy;
        if (needs[1]) gx[1] = gy;
    }
};

// A gradient that came out of a create_graph pass as a constant (relu's and leaky_relu's slopes, the
// seed through linear ops, an input the outputs do not depend on), attached to the input x it is the
// gradient of. It is a function of x whose derivative is zero (almost everywhere), so it requires grad
// like any other gradient of that pass, and differentiating it again gives zeros, not an error.
template <class T>
class ConstantGradientNode final : public OpNode<T, 1> {
public:
    ConstantGradientNode(Tensor<T> g, Var<T> x) : OpNode<T, 1>(std::move(g), {std::move(x)}) {}
    NodeKind kind() const override { return NodeKind::constant_gradient; }
    void backward(const Var<T>&, Var<T>*, const bool*) override {}  // zero: leaves gx undefined
};

template <class T>
Tensor<T> add_tensors(const Tensor<T>& a, const Tensor<T>& b) {
    Tensor<T> y = Tensor<T>::empty(a.shape());
    kernels::add(a.numel(), a.data(), b.data(), y.data());
    return y;
}

// True when `v` is the only handle to its node and the node the only owner of its storage, so that
// its value can be updated in place or taken.
template <class T>
bool uniquely_owned(const Var<T>& v) {
    return v.node()->refs() == 1 && v.value().use_count() == 1;
}

// acc += g, in place when nothing else sees acc; with create_graph, as a recorded op.
template <class T>
void accumulate(Var<T>& acc, Var<T>&& g, bool create_graph) {
    if (!acc.defined()) {
        acc = std::move(g);
        return;
    }
    if (create_graph && (acc.requires_grad() || g.requires_grad())) {
        acc = make_result<GradSumNode<T>>(true, add_tensors(acc.value(), g.value()), acc, std::move(g));
    } else if (uniquely_owned(acc)) {
        T* pa = acc.value().data();
        kernels::add(acc.numel(), pa, g.value().data(), pa);
    } else {
        acc = Var<T>(add_tensors(acc.value(), g.value()));
    }
}

template <class T>
class Engine {
public:
    // Differentiates outputs[k] (seeded with seeds[k]). With results == nullptr this is backward():
    // gradients are summed into the grad() of every leaf that requires grad. Otherwise results[i]
    // receives the gradient of inputs[i] (zeros when it does not depend on it).
    static void run(const Var<T>* outputs, const Tensor<T>* seeds, std::size_t n_outputs, const Var<T>* inputs,
                    Var<T>* results, std::size_t n_inputs, bool create_graph, bool retain_graph) {
        Engine e(++pass_counter());
        for (std::size_t i = 0; i < n_inputs; ++i) {
            Node<T>* n = inputs[i].node();
            INK_CHECK(n != nullptr, "grad: input ", i, " is undefined");
            INK_CHECK(n->requires_grad, "grad: input ", i, " does not require grad");
            n->scratch.target = e.pass_;
            n->scratch.slot = i;
        }
        for (std::size_t k = 0; k < n_outputs; ++k) e.visit(outputs[k].node(), results == nullptr);
        for (std::size_t k = 0; k < n_outputs; ++k) {
            Node<T>* n = outputs[k].node();
            check_same_shape("backward: the seed gradient and the output", seeds[k], n->value);
            accumulate(n->scratch.pending, Var<T>(seeds[k]), create_graph);
        }
        e.propagate(results, create_graph);
        for (std::size_t i = 0; results && i < n_inputs; ++i) {
            if (!results[i].defined()) results[i] = Var<T>(Tensor<T>(inputs[i].shape()));
            if (create_graph && !results[i].requires_grad())
                results[i] = make_result<ConstantGradientNode<T>>(true, results[i].value(), inputs[i]);
        }
        if (!retain_graph && !create_graph) e.free_graph();
    }

private:
    explicit Engine(std::uint64_t pass) : pass_(pass), order_(std::move(cached_order())) { order_.clear(); }
    // Always clears the pending gradients (also when an op's backward throws) and keeps the vectors'
    // capacity for the next pass.
    ~Engine() {
        for (Node<T>* n : order_) n->scratch.pending = Var<T>();
        order_.clear();
        cached_order() = std::move(order_);
        cached_stack() = std::move(stack_);
        cached_grads() = std::move(grads_);
    }

    static std::uint64_t& pass_counter() {
        thread_local std::uint64_t pass = 0;
        return pass;
    }
    static std::vector<Node<T>*>& cached_order() {
        thread_local std::vector<Node<T>*> v;
        return v;
    }
    static std::vector<std::pair<Node<T>*, int>>& cached_stack() {
        thread_local std::vector<std::pair<Node<T>*, int>> v;
        return v;
    }
    // One flag per input of the node being differentiated (a node may have any number: concat).
    static bool* needs_buffer(int m) {
        thread_local std::unique_ptr<bool[]> buffer;
        thread_local int capacity = 0;
        if (m > capacity) {
            capacity = std::max(2 * capacity, std::max(m, 8));
            buffer = std::make_unique<bool[]>(static_cast<std::size_t>(capacity));
        }
        return buffer.get();
    }
    static std::vector<Var<T>>& cached_grads() {
        thread_local std::vector<Var<T>> v;
        return v;
    }

    bool is_target(const Node<T>* n, bool leaves) const {
        return leaves ? n->is_leaf() : n->scratch.target == pass_;
    }
    static void check_not_freed(const Node<T>* n) {
        INK_CHECK(!n->freed(), "backward: the graph through ", n->name(),
                  " was already freed by an earlier backward; pass retain_graph = true to the first call to "
                  "differentiate the same graph twice");
    }

    // Iterative post-order DFS over the nodes that require grad, appending to order_.
    void visit(Node<T>* root, bool leaves) {
        INK_CHECK(root != nullptr, "backward: an output is undefined");
        INK_CHECK(root->requires_grad,
                  "backward: the output does not require grad (no Var it was computed from requires grad, "
                  "or it was computed under a NoGradGuard)");
        if (root->scratch.visit == pass_) return;
        check_not_freed(root);
        root->scratch.visit = pass_;
        stack_.clear();
        stack_.emplace_back(root, 0);
        while (!stack_.empty()) {
            auto& [n, next] = stack_.back();
            if (next < n->num_inputs()) {
                Node<T>* c = n->input(next++).node();
                if (c && c->requires_grad && c->scratch.visit != pass_) {
                    check_not_freed(c);
                    c->scratch.visit = pass_;
                    stack_.emplace_back(c, 0);
                }
                continue;
            }
            bool needed = is_target(n, leaves);
            for (int i = 0; i < n->num_inputs() && !needed; ++i) {
                const Node<T>* c = n->input(i).node();
                needed = c && c->requires_grad && c->scratch.needed;
            }
            n->scratch.needed = needed;
            order_.push_back(n);
            stack_.pop_back();
        }
    }

    void propagate(Var<T>* results, bool create_graph) {
        GradModeGuard mode(create_graph);
        for (std::size_t k = order_.size(); k-- > 0;) {
            Node<T>* n = order_[k];
            Var<T> gy = std::move(n->scratch.pending);
            if (!gy.defined() || !n->scratch.needed) continue;
            if (results && n->scratch.target == pass_) {
                results[n->scratch.slot] = gy;
            } else if (!results && n->is_leaf()) {
                store_leaf_grad(n, std::move(gy));
                LeafGradientListener<T>::notify(n);
                continue;
            }
            const int m = n->num_inputs();
            bool* needs = needs_buffer(m);
            bool any = false;
            for (int i = 0; i < m; ++i) {
                const Node<T>* c = n->input(i).node();
                needs[i] = c && c->requires_grad && c->scratch.needed;
                any = any || needs[i];
            }
            if (!any) continue;
            grads_.assign(static_cast<std::size_t>(m), Var<T>());
            n->backward(gy, grads_.data(), needs);
            for (int i = 0; i < m; ++i) {
                Var<T>& g = grads_[static_cast<std::size_t>(i)];
                if (!needs[i] || !g.defined()) continue;
                Node<T>* c = n->input(i).node();
                INK_CHECK(g.shape() == c->value.shape(), "backward of ", n->name(), ": the gradient of input ", i,
                          " has shape ", g.shape().str(), ", expected ", c->value.shape().str());
                accumulate(c->scratch.pending, std::move(g), create_graph);
            }
        }
    }

    // leaf.grad += g, taking g's storage when nothing else uses it.
    static void store_leaf_grad(Node<T>* n, Var<T>&& g) {
        Tensor<T>& dst = n->grad;
        if (!dst.defined()) {
            dst = uniquely_owned(g) ? std::move(g.node()->value) : g.value().clone();
            return;
        }
        check_same_shape("backward: the accumulated gradient and the new one", dst, g.value());
        kernels::add(dst.numel(), dst.data(), g.value().data(), dst.data());
    }

    // Inputs come before their consumers in order_, so freeing in that order only ever deletes nodes
    // that were already visited; order_ is then emptied, since some of its nodes may be gone.
    void free_graph() {
        for (Node<T>* n : order_) {
            n->scratch.pending = Var<T>();
            if (!n->is_leaf()) n->free_graph();
        }
        order_.clear();
    }

    std::uint64_t pass_;
    std::vector<Node<T>*> order_;
    std::vector<std::pair<Node<T>*, int>> stack_ = std::move(cached_stack());
    std::vector<Var<T>> grads_ = std::move(cached_grads());
};

}  // namespace detail

template <class T>
void Var<T>::backward(const Tensor<T>& seed, bool retain_graph) const {
    detail::Engine<T>::run(this, &seed, 1, nullptr, nullptr, 0, false, retain_graph);
}

template <class T>
void Var<T>::backward(bool retain_graph) const {
    INK_CHECK(numel() == 1, "backward: the output has shape ", shape().str(),
              "; backward() without a seed needs a one-element output (pass a seed gradient of that shape)");
    backward(Tensor<T>::ones(shape()), retain_graph);
}

// The gradients of sum_k <seeds[k], outputs[k]> with respect to each of `inputs`, as Vars (zeros for an
// input the outputs do not depend on). Leaves' grad() are left untouched.
// Seeds is deduced (and must be std::vector<Tensor<T>>) so that a braced options list, as in
// grad(outputs, inputs, {.create_graph = true}), selects the overload below, not this one.
template <class T, class Seeds>
    requires std::same_as<Seeds, std::vector<Tensor<T>>>
std::vector<Var<T>> grad(const std::vector<Var<T>>& outputs, const std::vector<Var<T>>& inputs, const Seeds& seeds,
                         GradOptions opts = {}) {
    INK_CHECK(seeds.size() == outputs.size(), "grad: ", outputs.size(), " outputs but ", seeds.size(), " seeds");
    std::vector<Var<T>> results(inputs.size());
    detail::Engine<T>::run(outputs.data(), seeds.data(), outputs.size(), inputs.data(), results.data(),
                           inputs.size(), opts.create_graph, opts.retain_graph);
    return results;
}

// Seeds as a braced list: grad<T>({y}, {x}, {seed}).
template <class T>
std::vector<Var<T>> grad(const std::vector<Var<T>>& outputs, const std::vector<Var<T>>& inputs,
                         std::initializer_list<Tensor<T>> seeds, GradOptions opts = {}) {
    return grad(outputs, inputs, std::vector<Tensor<T>>(seeds), opts);
}

// The same with seeds of ones; every output must then have one element.
template <class T>
std::vector<Var<T>> grad(const std::vector<Var<T>>& outputs, const std::vector<Var<T>>& inputs,
                         GradOptions opts = {}) {
    std::vector<Tensor<T>> seeds;
    seeds.reserve(outputs.size());
    for (std::size_t k = 0; k < outputs.size(); ++k) {
        INK_CHECK(outputs[k].defined(), "grad: output ", k, " is undefined");
        INK_CHECK(outputs[k].numel() == 1, "grad: output ", k, " has shape ", outputs[k].shape().str(),
                  "; without seeds every output needs one element (pass seeds of the outputs' shapes)");
        seeds.push_back(Tensor<T>::ones(outputs[k].shape()));
    }
    return grad(outputs, inputs, seeds, opts);
}

// One output, one input: d output / d input.
template <class T>
Var<T> grad(const Var<T>& output, const Var<T>& input, GradOptions opts = {}) {
    return grad(std::vector<Var<T>>{output}, std::vector<Var<T>>{input}, opts)[0];
}

}  // namespace ink
