#include "node.h"

namespace nabla::autograd {

namespace {
// Nodes whose last reference went while another node was being destroyed,
// linked through Node::next_doomed, and whether this thread is already in
// the loop that empties that list. Plain initial-exec thread-locals: a node
// is freed per recorded op.
__attribute__((tls_model("initial-exec"))) thread_local Node* doomed = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local bool destroying = false;
}  // namespace

void ref_destroy(Node* n) {
  n->next_doomed = doomed;
  doomed = n;
  if (destroying) return;  // the loop below, further up this thread's stack, takes it
  destroying = true;
  while (Node* m = doomed) {
    doomed = m->next_doomed;
    const size_t bytes = m->block_bytes;
    m->~Node();  // may add to the list: the nodes only m was keeping alive
    ::nabla::detail::pool_deallocate(m, bytes);
  }
  destroying = false;
}

}  // namespace nabla::autograd
