// Batched matmul: float32/float64 through cuBLAS, int64 by a plain kernel
// (cuBLAS has no integer GEMM; int64 matmul is rare and small).
//
// cuBLAS is column-major, nabla row-major. A row-major [M, N] matrix is the
// column-major [N, M] matrix Cᵀ, and Cᵀ = Bᵀ Aᵀ, so C = A B is computed as
// gemm(Bᵀ, Aᵀ) with the operands swapped and nothing transposed in memory.
// A transposed view (rows contiguous instead of columns) is the same memory
// seen column-major: it only flips the operand's op to CUBLAS_OP_T. A view
// with neither stride 1 is copied to a contiguous buffer first (rare).
//
// One cuBLAS handle per thread and device, bound to that thread's stream.
// TF32 is off unless set_allow_tf32(true) (tensor/cuda.h says why).
//
// cuBLAS is opened on first use (dlopen), not linked: loading libcublas
// relocates its ~200 MB of code and data, and a program linked with it pays
// that at start-up - measured, an empty C program linked with -lcublas has a
// peak RSS of 217 MB against 1 MB. Most nabla programs never multiply on a
// GPU, so they must not carry it.
#include <cublas_v2.h>
#include <dlfcn.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cuda_kernels.h"
#include "runtime.h"

// The spelled-out symbol of a cuBLAS function: cublas_v2.h maps some names
// to versioned ones by macros (cublasCreate is cublasCreate_v2).
#define NABLA_CUBLAS_SYMBOL2(name) #name
#define NABLA_CUBLAS_SYMBOL(name) NABLA_CUBLAS_SYMBOL2(name)

namespace nabla::cuda::detail {
namespace {
std::atomic<bool> g_allow_tf32{false};

// The cuBLAS functions nabla calls, found in the library at first use.
struct Cublas {
  decltype(&cublasCreate) create;
  decltype(&cublasSetStream) set_stream;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemmStridedBatched) sgemm;
  decltype(&cublasDgemmStridedBatched) dgemm;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};

template <class F>
void find(void* lib, const char* symbol, F& f) {
  f = reinterpret_cast<F>(dlsym(lib, symbol));
  NABLA_CHECK(f != nullptr, "matmul", "cuBLAS has no function ", symbol, ": ", dlerror());
}

const Cublas& cublas() {
  static const Cublas c = [] {
    void* lib = nullptr;
    for (const char* name : {"libcublas.so." NABLA_CUBLAS_MAJOR, "libcublas.so"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    NABLA_CHECK(lib != nullptr, "matmul", "cannot load cuBLAS (libcublas.so." NABLA_CUBLAS_MAJOR "): ", dlerror(),
                "; is the CUDA toolkit's lib64 folder on the library path?");
    Cublas f{};
    find(lib, NABLA_CUBLAS_SYMBOL(cublasCreate), f.create);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasSetStream), f.set_stream);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasSetMathMode), f.set_math_mode);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasSgemmStridedBatched), f.sgemm);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasDgemmStridedBatched), f.dgemm);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasGetStatusName), f.status_name);
    find(lib, NABLA_CUBLAS_SYMBOL(cublasGetStatusString), f.status_string);
    return f;  // the library stays open for the life of the process
  }();
  return c;
}

[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* expr, const char* file, int line) {
  throw Error(std::string("cuBLAS error at ") + file + ":" + std::to_string(line) + ": " + expr + ": " +
              cublas().status_name(status) + ": " + cublas().status_string(status));
}
}  // namespace

void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }

}  // namespace nabla::cuda::detail

#define NABLA_CUBLAS_CHECK(expr)                                                           \
  do {                                                                                     \
    const cublasStatus_t nabla_status_ = (expr);                                           \
    if (nabla_status_ != CUBLAS_STATUS_SUCCESS)                                            \
      ::nabla::cuda::detail::throw_cublas_error(nabla_status_, #expr, __FILE__, __LINE__); \
  } while (0)

namespace nabla::kernels::cuda {
namespace rt = ::nabla::cuda::detail;
namespace {

// The calling thread's handle for the current device, on its stream, with
// the math mode the TF32 switch asks for.
cublasHandle_t handle() {
  // Never destroyed (as the streams): at thread or process exit the driver
  // may already be shutting down, and a handle is a few KiB.
  thread_local std::vector<cublasHandle_t> handles;
  const int d = rt::current_device();
  if (static_cast<int>(handles.size()) <= d) handles.resize(static_cast<size_t>(d) + 1, nullptr);
  cublasHandle_t& h = handles[static_cast<size_t>(d)];
  if (!h) {
    NABLA_CUBLAS_CHECK(rt::cublas().create(&h));
    NABLA_CUBLAS_CHECK(rt::cublas().set_stream(h, rt::current_stream()));
  }
  NABLA_CUBLAS_CHECK(
      rt::cublas().set_math_mode(h, rt::allow_tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return h;
}

// The b-th matrix of a 3-D view [batch, rows, cols] as a cuBLAS operand for
// the swapped product: what gemm needs is the matrix transposed (cols x rows
// column-major), which a row-major matrix already is (op N); a transposed
// view is the matrix itself column-major (op T).
struct Operand {
  const void* ptr;
  int ld;
  cublasOperation_t op;
  long long batch_stride;
};

template <class T>
Operand operand(const View& v, std::unique_ptr<rt::DeviceBuffer>& scratch) {
  const int64_t rows = v.shape[1], cols = v.shape[2], rs = v.strides[1], cs = v.strides[2];
  const long long bs = v.shape[0] == 1 ? 0 : v.strides[0];
  if ((cs == 1 || cols == 1) && (rows == 1 || rs >= cols) && (rows == 1 || rs >= 1))
    return {v.data, static_cast<int>(rows == 1 ? (cols > 0 ? cols : 1) : rs), CUBLAS_OP_N, bs};
  if ((rs == 1 || rows == 1) && (cols == 1 || cs >= rows) && (cols == 1 || cs >= 1))
    return {v.data, static_cast<int>(cols == 1 ? (rows > 0 ? rows : 1) : cs), CUBLAS_OP_T, bs};
  // Neither layout: copy into a contiguous [batch, rows, cols] buffer.
  const int64_t n = v.shape[0] * rows * cols;
  scratch = std::make_unique<rt::DeviceBuffer>(static_cast<size_t>(n) * sizeof(T), v.device.index);
  int64_t strides[3];
  rt::contiguous_strides(3, v.shape, strides);
  cuda::copy(View{scratch->get(), v.dtype, v.device, 3, v.shape, strides}, v);
  return {scratch->get(), static_cast<int>(cols > 0 ? cols : 1), CUBLAS_OP_N, v.shape[0] == 1 ? 0 : rows * cols};
}

cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                    const float* alpha, const float* a, int lda, long long sa, const float* b, int ldb, long long sb,
                    const float* beta, float* c, int ldc, long long sc, int batch) {
  return rt::cublas().sgemm(h, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
}
cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                    const double* alpha, const double* a, int lda, long long sa, const double* b, int ldb, long long sb,
                    const double* beta, double* c, int ldc, long long sc, int batch) {
  return rt::cublas().dgemm(h, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
}

template <class T>
void matmul_blas(const View& out, const View& a, const View& b) {
  const int64_t batch = out.shape[0], m = out.shape[1], n = out.shape[2], k = a.shape[2];
  constexpr int64_t kIntMax = 2147483647;
  NABLA_CHECK(m <= kIntMax && n <= kIntMax && k <= kIntMax && batch <= kIntMax, "matmul",
              "dimensions above 2^31 - 1 are not supported by cuBLAS (got ", m, "x", k, " @ ", k, "x", n, ")");
  std::unique_ptr<rt::DeviceBuffer> scratch_a, scratch_b;
  const Operand oa = operand<T>(a, scratch_a), ob = operand<T>(b, scratch_b);
  const T one = 1, zero = 0;
  // Cᵀ [n x m] = Bᵀ [n x k] · Aᵀ [k x m], column-major.
  NABLA_CUBLAS_CHECK(gemm(handle(), ob.op, oa.op, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &one,
                          static_cast<const T*>(ob.ptr), ob.ld, ob.batch_stride, static_cast<const T*>(oa.ptr), oa.ld,
                          oa.batch_stride, &zero, static_cast<T*>(out.data), static_cast<int>(n), m * n,
                          static_cast<int>(batch)));
}

// int64: one thread per output element.
__global__ void matmul_int_kernel(int64_t* out, const int64_t* a, const int64_t* b, int64_t batch, int64_t m, int64_t n,
                                  int64_t k, int64_t as0, int64_t as1, int64_t as2, int64_t bs0, int64_t bs1,
                                  int64_t bs2) {
  const int64_t total = batch * m * n;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t bi = i / (m * n), r = (i / n) % m, c = i % n;
    int64_t acc = 0;
    for (int64_t p = 0; p < k; ++p) acc += a[bi * as0 + r * as1 + p * as2] * b[bi * bs0 + p * bs1 + c * bs2];
    out[i] = acc;
  }
}

}  // namespace

void matmul(const View& out, const View& a, const View& b) {
  rt::check_same_device("matmul", out, a);
  rt::check_same_device("matmul", out, b);
  rt::DeviceGuard guard(out.device.index);
  const int64_t batch = out.shape[0], m = out.shape[1], n = out.shape[2], k = a.shape[2];
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: zeros (not left to the BLAS)
    cuda::fill(out, 0.0);
    return;
  }
  switch (out.dtype) {
    case DType::Float32:
      matmul_blas<float>(out, a, b);
      return;
    case DType::Float64:
      matmul_blas<double>(out, a, b);
      return;
    case DType::Int64:
      matmul_int_kernel<<<rt::grid_for(batch * m * n), rt::kBlock, 0, rt::current_stream()>>>(
          static_cast<int64_t*>(out.data), static_cast<const int64_t*>(a.data), static_cast<const int64_t*>(b.data),
          batch, m, n, k, a.strides[0], a.strides[1], a.strides[2], b.strides[0], b.strides[1], b.strides[2]);
      NABLA_CUDA_CHECK(cudaGetLastError());
      return;
    case DType::Bool:
      NABLA_CHECK(false, "matmul", "not defined for bool tensors");
  }
}

}  // namespace nabla::kernels::cuda
