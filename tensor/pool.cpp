#include "pool.h"

#include <cstdlib>

namespace nabla::detail {
namespace {

constexpr size_t kClassBytes = kPoolClassBytes;
constexpr size_t kClasses = kMaxPooledBytes / kClassBytes;
constexpr size_t kMaxBlocksPerClass = 1 << 16;  // a cap, so a burst does not pin memory forever

__attribute__((tls_model("initial-exec"))) thread_local bool lists_gone = false;

struct FreeLists {
  void* head[kClasses] = {};
  size_t count[kClasses] = {};
  ~FreeLists();
};

__attribute__((tls_model("initial-exec"))) thread_local FreeLists* lists = nullptr;

FreeLists::~FreeLists() {
  // Blocks freed after this point (by later thread-exit destructors) go
  // straight back to the system.
  lists = nullptr;
  lists_gone = true;
  for (size_t c = 0; c < kClasses; ++c)
    while (head[c]) {
      void* next = *static_cast<void**>(head[c]);
      std::free(head[c]);
      head[c] = next;
    }
}

// The hot path reads one plain thread-local pointer (initial-exec: no
// __tls_get_addr call, and only a few bytes of static TLS, so the library
// can still be dlopen'ed, as the xeus-cling kernel does). The lists, and
// their clean-up at thread exit, are set up once per thread. Null after the
// thread's lists are gone.
FreeLists* thread_lists() {
  if (!lists && !lists_gone) {
    static thread_local FreeLists owned;  // destroyed (blocks freed) when the thread ends
    lists = &owned;
  }
  return lists;
}

// The slow paths: a thread's first use, an empty list, a full list.
__attribute__((noinline)) void* get_slow(size_t c) {
  FreeLists* l = thread_lists();
  if (l && l->head[c]) return pool_get(c);
  void* p = std::aligned_alloc(16, (c + 1) * kClassBytes);
  if (!p) throw std::bad_alloc();
  return p;
}

__attribute__((noinline)) void put_slow(void* p, size_t c) {
  FreeLists* l = thread_lists();
  if (!l || l->count[c] >= kMaxBlocksPerClass) {
    std::free(p);
    return;
  }
  pool_put(p, c);
}

}  // namespace

// Pooled blocks come from aligned_alloc and go back with free.
void* pool_get(size_t c) {
  FreeLists* l = lists;
  if (__builtin_expect(l != nullptr, 1)) {
    if (void* p = l->head[c]) {
      l->head[c] = *static_cast<void**>(p);
      --l->count[c];
      return p;
    }
  }
  return get_slow(c);
}

void pool_put(void* p, size_t c) {
  FreeLists* l = lists;
  if (__builtin_expect(l != nullptr && l->count[c] < kMaxBlocksPerClass, 1)) {
    *static_cast<void**>(p) = l->head[c];
    l->head[c] = p;
    ++l->count[c];
    return;
  }
  put_slow(p, c);
}

}  // namespace nabla::detail
