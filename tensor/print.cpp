// NumPy-style printing (see print.h for what is printed).
//
// The float digits come from a port of the Dragon4 algorithm as NumPy uses it
// (numpy/_core/src/multiarray/dragon4.c, after Steele & White and Burger &
// Dybvig): exact big-integer arithmetic on mantissa * 2^exponent, stopping
// either at the shortest digits that identify the value among its float
// neighbours or at a cutoff digit. A shortcut through printf("%.8g") or
// std::to_chars would differ from NumPy in the last digit now and then
// (NumPy's `min_digits` keeps printing true digits past the shortest ones),
// and the tests compare strings with NumPy exactly.
//
// The layout (FloatFormat, format_array, array_repr) follows NumPy's
// arrayprint.py function by function so the two can be read side by side.
#include "print.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>
#include <ostream>
#include <vector>

namespace nabla {

namespace {

// ---- big unsigned integers, just enough for Dragon4 ------------------------------

class BigInt {
 public:
  BigInt() = default;
  explicit BigInt(uint64_t v) {
    while (v) {
      blocks_.push_back(static_cast<uint32_t>(v));
      v >>= 32;
    }
  }
  static BigInt pow2(int e) {
    BigInt r;
    r.blocks_.assign(static_cast<size_t>(e / 32 + 1), 0);
    r.blocks_.back() = 1u << (e % 32);
    return r;
  }

  void shift_left(int n) {
    if (blocks_.empty() || n == 0) return;
    const size_t whole = static_cast<size_t>(n / 32);
    const int bits = n % 32;
    std::vector<uint32_t> out(blocks_.size() + whole + 1, 0);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      out[i + whole] |= blocks_[i] << bits;
      if (bits) out[i + whole + 1] |= blocks_[i] >> (32 - bits);
    }
    blocks_ = std::move(out);
    trim();
  }
  void mul_small(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& b : blocks_) {
      uint64_t p = static_cast<uint64_t>(b) * m + carry;
      b = static_cast<uint32_t>(p);
      carry = p >> 32;
    }
    if (carry) blocks_.push_back(static_cast<uint32_t>(carry));
  }
  void mul_pow10(int e) {
    static const uint32_t small[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    for (; e >= 9; e -= 9) mul_small(1000000000u);
    if (e) mul_small(small[e]);
  }
  BigInt times2() const {
    BigInt r = *this;
    r.shift_left(1);
    return r;
  }
  friend BigInt operator+(const BigInt& a, const BigInt& b) {
    BigInt r;
    const size_t n = std::max(a.blocks_.size(), b.blocks_.size());
    r.blocks_.resize(n + 1, 0);
    uint64_t carry = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t s = carry + (i < a.blocks_.size() ? a.blocks_[i] : 0) + (i < b.blocks_.size() ? b.blocks_[i] : 0);
      r.blocks_[i] = static_cast<uint32_t>(s);
      carry = s >> 32;
    }
    r.blocks_[n] = static_cast<uint32_t>(carry);
    r.trim();
    return r;
  }
  // *this -= b; requires *this >= b.
  void subtract(const BigInt& b) {
    int64_t borrow = 0;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      int64_t d = static_cast<int64_t>(blocks_[i]) - (i < b.blocks_.size() ? b.blocks_[i] : 0) - borrow;
      borrow = d < 0;
      blocks_[i] = static_cast<uint32_t>(d + (borrow << 32));
    }
    trim();
  }
  friend int compare(const BigInt& a, const BigInt& b) {
    if (a.blocks_.size() != b.blocks_.size()) return a.blocks_.size() < b.blocks_.size() ? -1 : 1;
    for (size_t i = a.blocks_.size(); i-- > 0;)
      if (a.blocks_[i] != b.blocks_[i]) return a.blocks_[i] < b.blocks_[i] ? -1 : 1;
    return 0;
  }
  // Returns floor(*this / d) (known to be < 10) and leaves the remainder.
  uint32_t divide_digit(const BigInt& d) {
    uint32_t q = 0;
    while (compare(*this, d) >= 0) {
      subtract(d);
      ++q;
    }
    return q;
  }

 private:
  void trim() {
    while (!blocks_.empty() && blocks_.back() == 0) blocks_.pop_back();
  }
  std::vector<uint32_t> blocks_;  // little-endian base 2^32, no leading zero blocks
};

// ---- Dragon4 ---------------------------------------------------------------------

// A finite float as mantissa * 2^exponent (NumPy's decomposition).
struct FloatParts {
  uint64_t mantissa;
  int exponent;
  int mantissa_bit;      // index of the highest set mantissa bit
  bool unequal_margins;  // the gap above is twice the gap below (a power of two)
  bool negative;
};

int log2_floor(uint64_t v) {
  int r = 0;
  while (v >>= 1) ++r;
  return r;
}

FloatParts decompose(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const uint32_t frac = bits & 0x7fffffu, biased = (bits >> 23) & 0xffu;
  const bool neg = (bits >> 31) != 0;
  if (biased != 0) return {(1u << 23) | frac, static_cast<int>(biased) - 127 - 23, 23, biased != 1 && frac == 0, neg};
  return {frac, 1 - 127 - 23, log2_floor(frac), false, neg};
}

FloatParts decompose(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const uint64_t frac = bits & ((uint64_t{1} << 52) - 1), biased = (bits >> 52) & 0x7ffu;
  const bool neg = (bits >> 63) != 0;
  if (biased != 0)
    return {(uint64_t{1} << 52) | frac, static_cast<int>(biased) - 1023 - 52, 52, biased != 1 && frac == 0, neg};
  return {frac, 1 - 1023 - 52, log2_floor(frac), false, neg};
}

enum class Cutoff { TotalLength, FractionLength };

struct Digits {
  std::string digits;  // significant digits, no point
  int exponent;        // base-10 exponent of the first digit
};

// Dragon4 in NumPy's "unique" digit mode: print until the digits identify the
// value among its neighbours (and at least down to cutoff_min), but never past
// cutoff_max; cutoffs count total digits or digits after the point (-1: none).
Digits dragon4(const FloatParts& f, Cutoff mode, int cutoff_max, int cutoff_min) {
  if (f.mantissa == 0) return {"0", 0};
  // value = scaled_value / scale; the margins are half the gaps to the neighbours.
  BigInt scale, value(f.mantissa), margin_low;
  const bool is_even = (f.mantissa & 1) == 0;
  const int extra = f.unequal_margins ? 2 : 1;  // one more factor of 2 keeps margin_high integral
  if (f.exponent > 0) {
    value.shift_left(f.exponent + extra);
    scale = BigInt(uint64_t{1} << extra);
    margin_low = BigInt::pow2(f.exponent);
  } else {
    value.shift_left(extra);
    scale = BigInt::pow2(-f.exponent + extra);
    margin_low = BigInt(1);
  }
  auto margin_high = [&] { return f.unequal_margins ? margin_low.times2() : margin_low; };

  // Estimate of floor(log10(v)) + 1, correct or one too low (Burger & Dybvig).
  const double log10_2 = 0.30102999566398119521373889472449;
  int digit_exponent = static_cast<int>(std::ceil(static_cast<double>(f.mantissa_bit + f.exponent) * log10_2 - 0.69));
  if (cutoff_max >= 0 && mode == Cutoff::FractionLength && digit_exponent <= -cutoff_max)
    digit_exponent = -cutoff_max + 1;
  if (digit_exponent > 0) {
    scale.mul_pow10(digit_exponent);
  } else if (digit_exponent < 0) {
    value.mul_pow10(-digit_exponent);
    margin_low.mul_pow10(-digit_exponent);
  }
  if (compare(value, scale) >= 0) {
    ++digit_exponent;
  } else {
    value.mul_small(10);
    margin_low.mul_small(10);
  }

  const int buffer_size = 16384;  // NumPy's scratch buffer; only matters without a cutoff
  int cutoff_max_exponent = digit_exponent - buffer_size;
  if (cutoff_max >= 0) {
    int desired = mode == Cutoff::TotalLength ? digit_exponent - cutoff_max : -cutoff_max;
    cutoff_max_exponent = std::max(cutoff_max_exponent, desired);
  }
  int cutoff_min_exponent = digit_exponent;
  if (cutoff_min >= 0) {
    int desired = mode == Cutoff::TotalLength ? digit_exponent - cutoff_min : -cutoff_min;
    cutoff_min_exponent = std::min(cutoff_min_exponent, desired);
  }

  Digits out{"", digit_exponent - 1};
  bool low = false, high = false;
  uint32_t digit = 0;
  for (;;) {
    --digit_exponent;
    digit = value.divide_digit(scale);
    int c = compare(value, margin_low);
    low = is_even ? c <= 0 : c < 0;
    c = compare(value + margin_high(), scale);
    high = is_even ? c >= 0 : c > 0;
    if (((low || high) && digit_exponent <= cutoff_min_exponent) || digit_exponent == cutoff_max_exponent) break;
    out.digits += static_cast<char>('0' + digit);
    value.mul_small(10);
    margin_low.mul_small(10);
  }

  // Round the last digit: down if only the low side is close, up if only the
  // high side is, else to nearest with ties to even.
  bool round_down = low;
  if (low == high) {
    int c = compare(value.times2(), scale);
    round_down = c < 0 || (c == 0 && (digit & 1) == 0);
  }
  if (round_down) {
    out.digits += static_cast<char>('0' + digit);
  } else if (digit < 9) {
    out.digits += static_cast<char>('0' + digit + 1);
  } else {  // carry through trailing nines
    while (!out.digits.empty() && out.digits.back() == '9') out.digits.pop_back();
    if (out.digits.empty()) {
      out.digits = "1";
      ++out.exponent;
    } else {
      ++out.digits.back();
    }
  }
  return out;
}

// Trim modes of NumPy's format_float_*: 'k' keeps trailing zeros, '.' drops
// them but keeps the point.
enum class Trim { Keep, Zeros };

// numpy.format_float_positional(x, precision, unique=True, fractional=True,
// trim, pad_left, pad_right, min_digits); -1 means "not given".
std::string format_positional(const FloatParts& f, int precision, int min_digits, Trim trim, int pad_left,
                              int pad_right) {
  Digits d = dragon4(f, Cutoff::FractionLength, precision, min_digits);
  const int n = static_cast<int>(d.digits.size());
  std::string s;
  int whole, frac = 0;
  if (d.exponent >= 0) {
    whole = d.exponent + 1;
    if (n <= whole) {
      s = d.digits + std::string(static_cast<size_t>(whole - n), '0');
    } else {
      s = d.digits.substr(0, static_cast<size_t>(whole)) + "." + d.digits.substr(static_cast<size_t>(whole));
      frac = n - whole;
    }
  } else {
    const int zeros = -(d.exponent + 1);
    s = "0." + std::string(static_cast<size_t>(zeros), '0') + d.digits;
    whole = 1;
    frac = zeros + n;
  }
  if (frac == 0) s += '.';
  const int wanted = std::max(min_digits, 0);
  if (trim == Trim::Keep && wanted > frac) {
    s.append(static_cast<size_t>(wanted - frac), '0');
    frac = wanted;
  }
  if (trim != Trim::Keep && frac > 0) {
    while (s.back() == '0') {
      s.pop_back();
      --frac;
    }
  }
  if (pad_right >= frac) s.append(static_cast<size_t>(pad_right - frac), ' ');
  const int has_sign = f.negative ? 1 : 0;
  if (f.negative) s.insert(s.begin(), '-');
  if (pad_left > whole + has_sign) s.insert(0, static_cast<size_t>(pad_left - whole - has_sign), ' ');
  return s;
}

// numpy.format_float_scientific(x, precision, unique=True, trim, pad_left,
// exp_digits, min_digits); -1 means "not given".
std::string format_scientific(const FloatParts& f, int precision, int min_digits, Trim trim, int pad_left,
                              int exp_digits) {
  std::string s;
  const int left = 1 + (f.negative ? 1 : 0);
  if (pad_left > left) s.append(static_cast<size_t>(pad_left - left), ' ');
  if (f.negative) s += '-';
  Digits d = dragon4(f, Cutoff::TotalLength, precision < 0 ? -1 : precision + 1, min_digits < 0 ? -1 : min_digits + 1);
  s += d.digits[0];
  s += '.';
  int frac = static_cast<int>(d.digits.size()) - 1;
  s += d.digits.substr(1);
  const int wanted = std::max(min_digits, 0);
  if (trim == Trim::Keep && wanted > frac) s.append(static_cast<size_t>(wanted - frac), '0');
  if (trim != Trim::Keep && frac > 0) {
    while (s.back() == '0') s.pop_back();
  }
  if (exp_digits < 0) exp_digits = 2;
  if (exp_digits > 5) exp_digits = 5;
  std::string e = std::to_string(std::abs(d.exponent));
  if (static_cast<int>(e.size()) < exp_digits) e.insert(0, static_cast<size_t>(exp_digits) - e.size(), '0');
  s += d.exponent >= 0 ? "e+" : "e-";
  return s + e;
}

// ---- element formatters (arrayprint.py: FloatingFormat, IntegerFormat, BoolFormat) ----

template <class T>
class FloatFormat {
 public:
  FloatFormat(const std::vector<T>& data, int precision) : precision_(precision) {
    std::vector<T> finite;
    for (T x : data)
      if (std::isfinite(x)) finite.push_back(x);

    // Scientific notation from the nonzero finite magnitudes. The ratio is
    // computed in T (it may overflow to inf), the comparisons in double, as
    // NumPy 1.x does with its float32 scalars.
    bool any_nonzero = false;
    T max_val = 0, min_val = 0;
    for (T x : finite) {
      if (x == 0) continue;
      T a = std::abs(x);
      if (!any_nonzero || a > max_val) max_val = a;
      if (!any_nonzero || a < min_val) min_val = a;
      any_nonzero = true;
    }
    if (any_nonzero) {
      T ratio = max_val / min_val;
      exp_format_ = static_cast<double>(max_val) >= 1e8 || static_cast<double>(min_val) < 1e-4 ||
                    static_cast<double>(ratio) > 1000.0;
    }

    // A first pass over all the values fixes the common widths.
    if (finite.empty()) {
      pad_left_ = pad_right_ = 0;
      trim_ = Trim::Zeros;
      exp_size_ = -1;
      min_digits_ = -1;
    } else if (exp_format_) {
      size_t int_len = 0, frac_len = 0, exp_len = 0;
      for (T x : finite) {
        std::string s = format_scientific(decompose(x), precision_, -1, Trim::Zeros, -1, -1);
        size_t dot = s.find('.'), e = s.find('e');
        int_len = std::max(int_len, dot);
        frac_len = std::max(frac_len, e - dot - 1);
        exp_len = std::max(exp_len, s.size() - e - 1);
      }
      exp_size_ = static_cast<int>(exp_len) - 1;
      trim_ = Trim::Keep;
      precision_ = min_digits_ = static_cast<int>(frac_len);
      pad_left_ = static_cast<int>(int_len);
      pad_right_ = exp_size_ + 2 + precision_;
    } else {
      size_t int_len = 0, frac_len = 0;
      for (T x : finite) {
        std::string s = format_positional(decompose(x), precision_, -1, Trim::Zeros, -1, -1);
        size_t dot = s.find('.');
        int_len = std::max(int_len, dot);
        frac_len = std::max(frac_len, s.size() - dot - 1);
      }
      pad_left_ = static_cast<int>(int_len);
      pad_right_ = static_cast<int>(frac_len);
      exp_size_ = -1;
      trim_ = Trim::Zeros;
      min_digits_ = 0;
    }

    // Room for nan / inf / -inf, right-aligned with the numbers.
    if (finite.size() != data.size()) {
      bool neginf = false;
      for (T x : data) neginf = neginf || (std::isinf(x) && x < 0);
      const int offset = pad_right_ + 1;
      pad_left_ = std::max({pad_left_, 3 - offset, 3 + (neginf ? 1 : 0) - offset});
    }
  }

  std::string operator()(T x) const {
    if (!std::isfinite(x)) {
      std::string s = std::isnan(x) ? "nan" : (x < 0 ? "-inf" : "inf");
      const int width = pad_left_ + pad_right_ + 1;
      if (width > static_cast<int>(s.size())) s.insert(0, static_cast<size_t>(width) - s.size(), ' ');
      return s;
    }
    if (exp_format_) return format_scientific(decompose(x), precision_, min_digits_, trim_, pad_left_, exp_size_);
    return format_positional(decompose(x), precision_, min_digits_, trim_, pad_left_, pad_right_);
  }

 private:
  int precision_;
  bool exp_format_ = false;
  int min_digits_ = -1;
  Trim trim_ = Trim::Zeros;
  int pad_left_ = 0, pad_right_ = 0, exp_size_ = -1;
};

using ElementFormatter = std::function<std::string(int64_t)>;  // flat index -> text

// `shown` are the flat indices of the elements that will be printed: the
// widths come from those only (a summarised array ignores its hidden middle).
ElementFormatter make_formatter(const Tensor& c, const std::vector<int64_t>& shown, int precision) {
  switch (c.dtype()) {
    case DType::Bool: {
      const bool* p = c.data<bool>();
      const char* true_str = c.ndim() > 0 ? " True" : "True";  // aligns with "False"
      return [p, true_str](int64_t i) { return std::string(p[i] ? true_str : "False"); };
    }
    case DType::Int64: {
      const int64_t* p = c.data<int64_t>();
      size_t width = 0;
      for (int64_t i : shown) width = std::max(width, std::to_string(p[i]).size());
      return [p, width](int64_t i) {
        std::string s = std::to_string(p[i]);
        return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
      };
    }
    case DType::Float32:
    case DType::Float64:
      break;
  }
  std::function<std::string(int64_t)> out;
  if (c.dtype() == DType::Float32) {
    const float* p = c.data<float>();
    std::vector<float> values;
    for (int64_t i : shown) values.push_back(p[i]);
    auto fmt = std::make_shared<FloatFormat<float>>(values, precision);
    out = [p, fmt](int64_t i) { return (*fmt)(p[i]); };
  } else {
    const double* p = c.data<double>();
    std::vector<double> values;
    for (int64_t i : shown) values.push_back(p[i]);
    auto fmt = std::make_shared<FloatFormat<double>>(values, precision);
    out = [p, fmt](int64_t i) { return (*fmt)(p[i]); };
  }
  return out;
}

// ---- layout (arrayprint.py: _leading_trailing, _formatArray, _extendLine) ----------

struct Layout {
  const Shape& shape;
  Shape strides;  // contiguous
  bool summarise;
  int64_t edgeitems;
  ElementFormatter format;

  bool summarised(size_t axis) const { return summarise && 2 * edgeitems < shape[axis]; }

  // The flat indices numpy's _leading_trailing keeps, in order.
  void collect_shown(size_t axis, int64_t offset, std::vector<int64_t>& out) const {
    if (axis == shape.size()) {
      out.push_back(offset);
      return;
    }
    const int64_t n = shape[axis];
    for (int64_t i = 0; i < n; ++i) {
      if (summarised(axis) && i == edgeitems) i = n - edgeitems;
      collect_shown(axis + 1, offset + i * strides[axis], out);
    }
  }

  // Appends `word` to `line`, first moving to a new line when it would pass
  // `width` (but never leaving a line holding only the indent).
  static void extend_line(std::string& s, std::string& line, const std::string& word, int64_t width,
                          const std::string& next_line_prefix) {
    const bool needs_wrap =
        static_cast<int64_t>(line.size() + word.size()) > width && line.size() > next_line_prefix.size();
    if (needs_wrap) {
      size_t end = line.find_last_not_of(' ');
      s += line.substr(0, end == std::string::npos ? 0 : end + 1) + "\n";
      line = next_line_prefix;
    }
    line += word;
  }

  std::string recurse(size_t axis, int64_t offset, const std::string& hanging_indent, int64_t width) const {
    if (axis == shape.size()) return format(offset);
    const std::string next_indent = hanging_indent + ' ';
    const int64_t next_width = width - 1;  // room for the closing ']'
    const int64_t n = shape[axis], stride = strides[axis];
    const bool summary = summarised(axis);
    const int64_t leading = summary ? edgeitems : 0, trailing = summary ? edgeitems : n;
    const size_t axes_left = shape.size() - axis;
    std::string s;
    if (axes_left == 1) {
      const int64_t elem_width = width - 1;  // room for ',' or ']'
      std::string line = hanging_indent;
      for (int64_t i = 0; i < leading; ++i) {
        extend_line(s, line, recurse(axis + 1, offset + i * stride, next_indent, next_width), elem_width,
                    hanging_indent);
        line += ", ";
      }
      if (summary) {
        extend_line(s, line, "...", elem_width, hanging_indent);
        line += ", ";
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend_line(s, line, recurse(axis + 1, offset + (n - i) * stride, next_indent, next_width), elem_width,
                    hanging_indent);
        line += ", ";
      }
      extend_line(s, line, recurse(axis + 1, offset + (n - 1) * stride, next_indent, next_width), elem_width,
                  hanging_indent);
      s += line;
    } else {
      const std::string line_sep = "," + std::string(axes_left - 1, '\n');
      for (int64_t i = 0; i < leading; ++i)
        s += hanging_indent + recurse(axis + 1, offset + i * stride, next_indent, next_width) + line_sep;
      if (summary) s += hanging_indent + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i)
        s += hanging_indent + recurse(axis + 1, offset + (n - i) * stride, next_indent, next_width) + line_sep;
      s += hanging_indent + recurse(axis + 1, offset + (n - 1) * stride, next_indent, next_width);
    }
    return "[" + s.substr(hanging_indent.size()) + "]";
  }
};

std::mutex g_options_mutex;
PrintOptions g_options;

}  // namespace

void set_print_options(const PrintOptions& options) {
  NABLA_CHECK(options.precision >= 0, "set_print_options", "precision must be >= 0, got ", options.precision);
  NABLA_CHECK(options.threshold >= 0, "set_print_options", "threshold must be >= 0, got ", options.threshold);
  NABLA_CHECK(options.edgeitems >= 1, "set_print_options", "edgeitems must be >= 1, got ", options.edgeitems);
  NABLA_CHECK(options.linewidth >= 1, "set_print_options", "linewidth must be >= 1, got ", options.linewidth);
  std::lock_guard<std::mutex> lock(g_options_mutex);
  g_options = options;
}

PrintOptions get_print_options() {
  std::lock_guard<std::mutex> lock(g_options_mutex);
  return g_options;
}

std::string array_repr(const Tensor& t, const PrintOptions& options) {
  if (!t.defined()) return "Tensor(undefined)";
  Tensor c = t.detach();
  if (!c.device().is_cpu()) c = c.to(Device::cpu());
  c = c.contiguous();

  const std::string prefix = "array(";
  std::string lst = "[]";
  const int64_t size = c.numel();
  const bool summarise = size > options.threshold;
  if (size > 0) {
    // array2string(a, separator=', ', prefix='array(', suffix=')'): the suffix
    // shortens every line by one; continuation lines align under the '['.
    Layout layout{c.shape(), contiguous_strides(c.shape()), summarise, std::max<int64_t>(options.edgeitems, 1), {}};
    std::vector<int64_t> shown;
    layout.collect_shown(0, 0, shown);
    layout.format = make_formatter(c, shown, options.precision);
    lst = layout.recurse(0, 0, std::string(prefix.size() + 1, ' '), options.linewidth - 1);
  }

  std::vector<std::string> extras;
  if ((size == 0 && !(c.ndim() == 1)) || summarise) extras.push_back("shape=" + shape_str(c.shape()));
  extras.push_back(std::string("dtype=") + dtype_name(c.dtype()));
  if (!t.device().is_cpu()) extras.push_back("device='" + t.device().str() + "'");  // nabla addition
  if (t.requires_grad()) extras.push_back("requires_grad=True");                    // nabla addition

  std::string arr_str = prefix + lst + ",";
  std::string extra_str;
  for (size_t i = 0; i < extras.size(); ++i) extra_str += (i ? ", " : "") + extras[i];
  extra_str += ")";
  // The extras go on a new line when they would push the last line past linewidth.
  const size_t nl = arr_str.rfind('\n');
  const int64_t last_line_len = static_cast<int64_t>(arr_str.size() - (nl == std::string::npos ? 0 : nl + 1));
  const bool wrap = last_line_len + static_cast<int64_t>(extra_str.size()) + 1 > options.linewidth;
  return arr_str + (wrap ? "\n" + std::string(prefix.size(), ' ') : " ") + extra_str;
}

std::string Tensor::str() const { return array_repr(*this, get_print_options()); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace nabla
