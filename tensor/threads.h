// How many CPU threads nabla's kernels (and Eigen's GEMMs) may use.
// The default is OpenMP's: OMP_NUM_THREADS, or one per core. Small tensors
// run on the calling thread whatever this says (kernels/cpu/parallel.h).
#pragma once

namespace nabla {

int get_num_threads();
void set_num_threads(int n);  // n >= 1; applies to the calling thread's later kernels

}  // namespace nabla
