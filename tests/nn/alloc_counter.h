// Counts heap allocations made by ANY code in the test executable (our libraries, Eigen, the
// standard library), for the "nothing allocates in a training step" tests.
//
// Why not Eigen's EIGEN_RUNTIME_NO_MALLOC guard: defining it in a test file only instruments the
// Eigen code inlined into that file, not the code compiled into libss_nn / libss_flows, and its
// check is an eigen_assert, compiled out in Release (NDEBUG). Replacing malloc & co. (which glibc
// supports: https://www.gnu.org/software/libc/manual/html_node/Replacing-malloc.html) sees every
// allocation — Eigen's (it calls std::malloc), operator new's and std::vector's — in any build
// type.
//
// Include this header in exactly ONE .cpp of a test executable. Under AddressSanitizer or
// ThreadSanitizer (which own malloc) the hooks are left out and kAllocCounterActive is false; the
// tests then skip.
#pragma once

#include <atomic>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SS_ALLOC_COUNTER_DISABLED 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SS_ALLOC_COUNTER_DISABLED 1
#endif
#endif

namespace ss_test {
inline std::atomic<bool> g_counting{false};
inline std::atomic<long> g_allocations{0};

#ifdef SS_ALLOC_COUNTER_DISABLED
inline constexpr bool kAllocCounterActive = false;
#else
inline constexpr bool kAllocCounterActive = true;
#endif

/// Counts allocations made while alive (all threads).
class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationCounter() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};
}  // namespace ss_test

#ifndef SS_ALLOC_COUNTER_DISABLED
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

inline void ss_test_note_allocation() {
  if (ss_test::g_counting.load(std::memory_order_relaxed))
    ss_test::g_allocations.fetch_add(1, std::memory_order_relaxed);
}
void* malloc(std::size_t n) noexcept {
  ss_test_note_allocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) noexcept {
  ss_test_note_allocation();
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) noexcept {
  ss_test_note_allocation();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) noexcept {
  ss_test_note_allocation();
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) noexcept {
  ss_test_note_allocation();
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) noexcept {
  ss_test_note_allocation();
  void* p = __libc_memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void free(void* p) noexcept {
  __libc_free(p);
}
}
#endif
