// Printing: every expected string below is what NumPy prints for the same
// array, checked with /usr/bin/python3 + NumPy. NumPy omits `dtype=` for
// float64/int64/bool and (before 2.2) `shape=` on summarised arrays, so the
// strings were made with NumPy 2.2's array_repr layout and dtype always on:
//
//   def nabla_repr(a, linewidth=75, threshold=1000, edgeitems=3, precision=8):
//       with np.printoptions(linewidth=linewidth, threshold=threshold,
//                            edgeitems=edgeitems, precision=precision):
//           lst = np.array2string(a, separator=', ', prefix='array(', suffix=')')
//           extras = []
//           if (a.size == 0 and a.shape != (0,)) or a.size > threshold:
//               extras.append(f"shape={a.shape}")
//           extras.append(f"dtype={a.dtype.name}")
//           arr_str, extra_str = 'array(' + lst + ',', ', '.join(extras) + ')'
//           last = len(arr_str) - (arr_str.rfind('\n') + 1)
//           wrap = last + len(extra_str) + 1 > linewidth
//           return arr_str + ('\n      ' if wrap else ' ') + extra_str
//
// (For float32 arrays this equals plain repr(a).)
#include <nabla/nabla.h>
#include <nabla/tensor/print.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

using namespace nabla;

namespace {

const float kNanF = std::numeric_limits<float>::quiet_NaN();
const float kInfF = std::numeric_limits<float>::infinity();
const double kInf = std::numeric_limits<double>::infinity();
const double kPi = 3.14159265358979323846, kE = 2.71828182845904523536;

Tensor f32(const std::vector<float>& v, const Shape& s) { return from_vector(v, s); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_vector(v, s); }
Tensor i64(const std::vector<int64_t>& v, const Shape& s) { return from_vector(v, s); }

}  // namespace

TEST_CASE("print: floats share one width and drop trailing zeros", "[print]") {
  // np.array([[1, 2], [3, 4]], np.float32)
  CHECK(tensor({{1, 2}, {3, 4}}).str() ==
        "array([[1., 2.],\n"
        "       [3., 4.]], dtype=float32)");
  // np.array([[-1.5, 2.25, 3.0], [0.5, -10.125, 7.0]], np.float32)
  CHECK(f32({-1.5f, 2.25f, 3.0f, 0.5f, -10.125f, 7.0f}, {2, 3}).str() ==
        "array([[ -1.5  ,   2.25 ,   3.   ],\n"
        "       [  0.5  , -10.125,   7.   ]], dtype=float32)");
  // np.array([1/3, 2/3, 1.0])
  CHECK(f64({1.0 / 3, 2.0 / 3, 1.0}, {3}).str() == "array([0.33333333, 0.66666667, 1.        ], dtype=float64)");
  // shortest digits in the tensor's own type: np.array([np.pi, -np.e], np.float32) vs float64
  CHECK(f32({static_cast<float>(kPi), static_cast<float>(-kE)}, {2}).str() ==
        "array([ 3.1415927, -2.7182817], dtype=float32)");
  CHECK(f64({kPi, -kE}, {2}).str() == "array([ 3.14159265, -2.71828183], dtype=float64)");
  // np.array([-0.0, 0.0, 1.0])
  CHECK(f64({-0.0, 0.0, 1.0}, {3}).str() == "array([-0.,  0.,  1.], dtype=float64)");
}

TEST_CASE("print: scientific notation when NumPy uses it", "[print]") {
  // min nonzero |x| < 1e-4: np.array([1e-5, 1.0, 123.456], np.float32)
  CHECK(f32({1e-5f, 1.0f, 123.456f}, {3}).str() == "array([1.00000e-05, 1.00000e+00, 1.23456e+02], dtype=float32)");
  // max |x| >= 1e8: np.array([1e9, 2.5], np.float32)
  CHECK(f32({1e9f, 2.5f}, {2}).str() == "array([1.0e+09, 2.5e+00], dtype=float32)");
  // max/min > 1e3: np.array([1, 1001], np.float32)
  CHECK(f32({1.0f, 1001.0f}, {2}).str() == "array([1.000e+00, 1.001e+03], dtype=float32)");
  // ... which also catches negatives: np.array([[-1.5, 2.25, 3.0], [0.1, -100.125, 7.0]], np.float32)
  CHECK(f32({-1.5f, 2.25f, 3.0f, 0.1f, -100.125f, 7.0f}, {2, 3}).str() ==
        "array([[-1.50000e+00,  2.25000e+00,  3.00000e+00],\n"
        "       [ 1.00000e-01, -1.00125e+02,  7.00000e+00]], dtype=float32)");
  // np.array(1e-10)
  CHECK(scalar_tensor(1e-10, kFloat64).str() == "array(1.e-10, dtype=float64)");
  // float32(1e-4) is just below 1e-4: NumPy 1.x compares exactly and goes
  // scientific (NumPy 2 compares in float32 and would print 0.0001)
  CHECK(f32({1e-4f, 1.0f}, {2}).str() == "array([1.e-04, 1.e+00], dtype=float32)");
}

TEST_CASE("print: nan and inf", "[print]") {
  // np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
  CHECK(f32({kNanF, kInfF, -kInfF, 1.5f}, {4}).str() == "array([ nan,  inf, -inf,  1.5], dtype=float32)");
  // np.array([np.nan, -np.inf])
  CHECK(f64({std::nan(""), -kInf}, {2}).str() == "array([ nan, -inf], dtype=float64)");
}

TEST_CASE("print: int64 and bool", "[print]") {
  // np.array([[-5, 10, 200], [3, -4000, 6]])
  CHECK(i64({-5, 10, 200, 3, -4000, 6}, {2, 3}).str() ==
        "array([[   -5,    10,   200],\n"
        "       [    3, -4000,     6]], dtype=int64)");
  // np.array([[True, False], [False, True]])
  CHECK(from_vector(std::vector<bool>{true, false, false, true}, {2, 2}).str() ==
        "array([[ True, False],\n"
        "       [False,  True]], dtype=bool)");
}

TEST_CASE("print: 0-d and empty tensors", "[print]") {
  CHECK(scalar_tensor(3.5).str() == "array(3.5, dtype=float32)");          // np.array(3.5, np.float32)
  CHECK(scalar_tensor(-7, kInt64).str() == "array(-7, dtype=int64)");      // np.array(-7)
  CHECK(scalar_tensor(1, kBool).str() == "array(True, dtype=bool)");       // np.array(True)
  CHECK(zeros({0, 3}).str() == "array([], shape=(0, 3), dtype=float32)");  // np.zeros((0, 3), np.float32)
  CHECK(zeros({0}, kInt64).str() == "array([], dtype=int64)");             // np.zeros((0,), np.int64)
}

TEST_CASE("print: 3-D tensors leave a blank line between blocks", "[print]") {
  // np.arange(24, dtype=np.float32).reshape(2, 3, 4)
  CHECK(arange(24).reshape({2, 3, 4}).str() ==
        "array([[[ 0.,  1.,  2.,  3.],\n"
        "        [ 4.,  5.,  6.,  7.],\n"
        "        [ 8.,  9., 10., 11.]],\n"
        "\n"
        "       [[12., 13., 14., 15.],\n"
        "        [16., 17., 18., 19.],\n"
        "        [20., 21., 22., 23.]]], dtype=float32)");
}

TEST_CASE("print: non-contiguous views print their logical order", "[print]") {
  // np.array([[1, 2, 3], [4, 5, 6]], np.float32).T
  CHECK(tensor({{1, 2, 3}, {4, 5, 6}}).t().str() ==
        "array([[1., 4.],\n"
        "       [2., 5.],\n"
        "       [3., 6.]], dtype=float32)");
}

TEST_CASE("print: long 1-D tensors wrap at 75 columns", "[print]") {
  // np.arange(30, dtype=np.float32) * 0.5
  CHECK((arange(30) * 0.5).str() ==
        "array([ 0. ,  0.5,  1. ,  1.5,  2. ,  2.5,  3. ,  3.5,  4. ,  4.5,  5. ,\n"
        "        5.5,  6. ,  6.5,  7. ,  7.5,  8. ,  8.5,  9. ,  9.5, 10. , 10.5,\n"
        "       11. , 11.5, 12. , 12.5, 13. , 13.5, 14. , 14.5], dtype=float32)");
  // np.arange(40) * 1000
  CHECK(arange(0, 40000, 1000, kInt64).str() ==
        "array([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,\n"
        "        9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000,\n"
        "       18000, 19000, 20000, 21000, 22000, 23000, 24000, 25000, 26000,\n"
        "       27000, 28000, 29000, 30000, 31000, 32000, 33000, 34000, 35000,\n"
        "       36000, 37000, 38000, 39000], dtype=int64)");
}

TEST_CASE("print: more than 1000 elements are summarised", "[print]") {
  // np.arange(2000): the extras no longer fit on the last line, so they wrap
  CHECK(arange(2000, kInt64).str() ==
        "array([   0,    1,    2, ..., 1997, 1998, 1999],\n"
        "      shape=(2000,), dtype=int64)");
  // np.arange(1000000, dtype=np.float32).reshape(1000, 1000): the widths and
  // the scientific notation come from the printed corners only
  CHECK(arange(1000000).reshape({1000, 1000}).str() ==
        "array([[0.00000e+00, 1.00000e+00, 2.00000e+00, ..., 9.97000e+02,\n"
        "        9.98000e+02, 9.99000e+02],\n"
        "       [1.00000e+03, 1.00100e+03, 1.00200e+03, ..., 1.99700e+03,\n"
        "        1.99800e+03, 1.99900e+03],\n"
        "       [2.00000e+03, 2.00100e+03, 2.00200e+03, ..., 2.99700e+03,\n"
        "        2.99800e+03, 2.99900e+03],\n"
        "       ...,\n"
        "       [9.97000e+05, 9.97001e+05, 9.97002e+05, ..., 9.97997e+05,\n"
        "        9.97998e+05, 9.97999e+05],\n"
        "       [9.98000e+05, 9.98001e+05, 9.98002e+05, ..., 9.98997e+05,\n"
        "        9.98998e+05, 9.98999e+05],\n"
        "       [9.99000e+05, 9.99001e+05, 9.99002e+05, ..., 9.99997e+05,\n"
        "        9.99998e+05, 9.99999e+05]], shape=(1000, 1000), dtype=float32)");
}

TEST_CASE("print: PrintOptions as numpy.set_printoptions", "[print]") {
  PrintOptions o;
  o.precision = 3;  // np.set_printoptions(precision=3); np.array([np.pi, np.e, 100.0])
  CHECK(array_repr(f64({kPi, kE, 100.0}, {3}), o) == "array([  3.142,   2.718, 100.   ], dtype=float64)");
  o = PrintOptions();
  o.linewidth = 30;  // linewidth=30; np.arange(12.0)
  CHECK(array_repr(arange(12, kFloat64), o) ==
        "array([ 0.,  1.,  2.,  3.,\n"
        "        4.,  5.,  6.,  7.,\n"
        "        8.,  9., 10., 11.],\n"
        "      dtype=float64)");
  o = PrintOptions();
  o.threshold = 5;  // threshold=5, edgeitems=1; np.arange(12).reshape(3, 4)
  o.edgeitems = 1;
  CHECK(array_repr(arange(12, kInt64).reshape({3, 4}), o) ==
        "array([[ 0, ...,  3],\n"
        "       ...,\n"
        "       [ 8, ..., 11]], shape=(3, 4), dtype=int64)");

  // set/get are global: str() follows them until they are set back
  const PrintOptions saved = get_print_options();
  PrintOptions p = saved;
  p.precision = 2;
  set_print_options(p);
  CHECK(get_print_options().precision == 2);
  CHECK(f64({kPi}, {1}).str() == "array([3.14], dtype=float64)");
  set_print_options(saved);
  CHECK(f64({kPi}, {1}).str() == "array([3.14159265], dtype=float64)");

  PrintOptions bad;
  bad.edgeitems = 0;
  CHECK_THROWS_AS(set_print_options(bad), Error);
  bad = PrintOptions();
  bad.precision = -1;
  CHECK_THROWS_WITH(set_print_options(bad), Catch::Contains("set_print_options") && Catch::Contains("precision"));
}

TEST_CASE("print: nabla additions for requires_grad and device; undefined tensors", "[print]") {
  // Not NumPy: a tensor that requires grad says so after the dtype.
  Tensor w = f64({1.0, 2.0}, {2}).requires_grad_();
  CHECK(w.str() == "array([1., 2.], dtype=float64, requires_grad=True)");
  CHECK((w * 2.0).str() == "array([2., 4.], dtype=float64, requires_grad=True)");
  CHECK(w.detach().str() == "array([1., 2.], dtype=float64)");
  CHECK(Tensor().str() == "Tensor(undefined)");
  if (cuda::is_available()) {
    CHECK(tensor({1, 2}).to(Device::cuda(0)).str() == "array([1., 2.], dtype=float32, device='cuda:0')");
  }
}

TEST_CASE("print: operator<< writes str()", "[print]") {
  Tensor t = tensor({{1.5, -2}, {0, 4}});
  std::ostringstream os;
  os << t;
  CHECK(os.str() == t.str());
  std::ostringstream undefined;
  undefined << Tensor();
  CHECK(undefined.str() == "Tensor(undefined)");
}
