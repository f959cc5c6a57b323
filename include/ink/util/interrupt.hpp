#pragma once
// Graceful Ctrl-C for long jobs: the first SIGINT (or SIGTERM) only raises a flag that a training loop
// polls between steps, so it can save a checkpoint and exit cleanly; a second one ends the process
// at once, as usual.
#include <atomic>
#include <csignal>

namespace ink::util {

class InterruptGuard {
public:
    InterruptGuard() {
        flag().store(false);
        previous_int_ = std::signal(SIGINT, &InterruptGuard::on_signal);
        previous_term_ = std::signal(SIGTERM, &InterruptGuard::on_signal);
    }
    ~InterruptGuard() {
        std::signal(SIGINT, previous_int_);
        std::signal(SIGTERM, previous_term_);
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // True once Ctrl-C has been pressed inside this guard's lifetime. Static, like signal handlers:
    // code a training loop calls (a data-parallel layer passing the request to the other ranks)
    // reads the flag of the loop's guard without holding it.
    static bool requested() { return flag().load(std::memory_order_relaxed); }

private:
    static std::atomic<bool>& flag() {
        static std::atomic<bool> f{false};
        return f;
    }
    static void on_signal(int sig) {
        flag().store(true, std::memory_order_relaxed);
        std::signal(sig, SIG_DFL);  // the next one is not caught
    }

    using Handler = void (*)(int);
    Handler previous_int_ = SIG_DFL;
    Handler previous_term_ = SIG_DFL;
};

}  // namespace ink::util
