#include "core/targets/formula.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <type_traits>

namespace ss {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Scalar operations shared by constant folding, the double evaluator and the Jet evaluator. The
// value part of every Jet operation is computed exactly like the double one, so value() and
// jet().v agree (up to contraction differences between compilers).

inline double quotient(double a, double b) {
  return a / b;
}
inline Jet quotient(const Jet& a, const Jet& b) {
  // q = a / b  ⇒  a = q b  ⇒  q' = (a' - q b') / b,  q'' = (a'' - 2 q' b' - q b'') / b.
  const double q = a.v / b.v;
  const double qx = (a.gx - q * b.gx) / b.v, qy = (a.gy - q * b.gy) / b.v;
  return {q,
          qx,
          qy,
          (a.hxx - 2 * qx * b.gx - q * b.hxx) / b.v,
          (a.hxy - qx * b.gy - qy * b.gx - q * b.hxy) / b.v,
          (a.hyy - 2 * qy * b.gy - q * b.hyy) / b.v};
}
inline double divide_by_constant(double a, double c) {
  return a / c;
}
inline Jet divide_by_constant(const Jet& a, double c) {
  return {a.v / c, a.gx / c, a.gy / c, a.hxx / c, a.hxy / c, a.hyy / c};
}
inline double constant_divided_by(double c, double a) {
  return c / a;
}
inline Jet constant_divided_by(double c, const Jet& a) {
  const double r = c / a.v, d1 = -r / a.v, d2 = -2 * d1 / a.v;
  return chain(a, r, d1, d2);
}
inline double power_constant(double a, double p) {
  return p == 2 ? a * a : std::pow(a, p);
}
inline Jet power_constant(const Jet& a, double p) {
  return ss::pow(a, p);
}
inline double constant_power(double c, double a) {
  return std::exp(a * std::log(c));
}
inline Jet constant_power(double c, const Jet& a) {
  return ss::exp(a * std::log(c));
}
inline double power(double a, double b) {
  return std::exp(b * std::log(a));
}
inline Jet power(const Jet& a, const Jet& b) {
  return ss::exp(b * ss::log(a));
}

// max/min that propagate NaN from either side and keep the selected branch's derivatives.
template <class S>
inline S maximum(const S& a, const S& b) {
  const double av = value_of(a), bv = value_of(b);
  return (av >= bv || std::isnan(av)) ? a : b;
}
template <class S>
inline S minimum(const S& a, const S& b) {
  const double av = value_of(a), bv = value_of(b);
  return (av <= bv || std::isnan(av)) ? a : b;
}

template <class S>
inline S unary(FormulaOp op, const S& a) {
  using std::abs, std::cos, std::exp, std::log, std::log1p, std::sin, std::sqrt, std::tan,
      std::tanh;
  switch (op) {
    case FormulaOp::Neg:
      return -a;
    case FormulaOp::Square:
      return a * a;
    case FormulaOp::Exp:
      return exp(a);
    case FormulaOp::Log:
      return log(a);
    case FormulaOp::Log1p:
      return log1p(a);
    case FormulaOp::Sqrt:
      return sqrt(a);
    case FormulaOp::Sin:
      return sin(a);
    case FormulaOp::Cos:
      return cos(a);
    case FormulaOp::Tan:
      return tan(a);
    case FormulaOp::Tanh:
      return tanh(a);
    case FormulaOp::Abs:
      return abs(a);
    default:
      return S(kNaN);
  }
}

template <class S>
inline S binary(FormulaOp op, const S& a, const S& b) {
  switch (op) {
    case FormulaOp::Add:
      return a + b;
    case FormulaOp::Sub:
      return a - b;
    case FormulaOp::Mul:
      return a * b;
    case FormulaOp::Div:
      return quotient(a, b);
    case FormulaOp::Pow:
      return power(a, b);
    case FormulaOp::Min:
      return minimum(a, b);
    case FormulaOp::Max:
      return maximum(a, b);
    default:
      return S(kNaN);
  }
}

// Binary operation with one constant operand (the *C instructions).
template <class S>
inline S with_constant(FormulaOp op, const S& a, double c) {
  switch (op) {
    case FormulaOp::AddC:
      return a + S(c);
    case FormulaOp::SubC:
      return a - S(c);
    case FormulaOp::CSub:
      return S(c) - a;
    case FormulaOp::MulC:
      return c * a;
    case FormulaOp::DivC:
      return divide_by_constant(a, c);
    case FormulaOp::CDiv:
      return constant_divided_by(c, a);
    case FormulaOp::PowC:
      return power_constant(a, c);
    case FormulaOp::CPow:
      return constant_power(c, a);
    default:
      return S(kNaN);
  }
}

// Streaming log-sum-exp: the state is (sum, m) with sum = Σ exp(t_i - m) and m the largest term
// so far (m is a constant for differentiation: log(sum) + m has the exact derivatives).
template <class S>
inline void lse_add(S& sum, double& m, const S& t) {
  using std::exp;
  const double tv = value_of(t);
  if (std::isnan(tv)) {
    sum = sum + t;  // poisons the sum
  } else if (tv == -kInf || m == kInf) {
    // contributes nothing / the result is already +inf
  } else if (tv == kInf) {
    m = kInf;
  } else if (tv > m) {
    sum = sum * std::exp(m - tv) + exp(t - S(tv));
    m = tv;
  } else {
    sum = sum + exp(t - S(m));
  }
}
template <class S>
inline S lse_finish(const S& sum, double m) {
  using std::log;
  if (std::isnan(value_of(sum))) return S(kNaN);
  if (m == kInf || m == -kInf) return S(m);
  return log(sum) + S(m);
}

bool is_unary(FormulaOp op) {
  return op >= FormulaOp::Neg && op <= FormulaOp::Abs;
}
bool is_with_constant(FormulaOp op) {
  return op >= FormulaOp::AddC && op <= FormulaOp::CPow;
}

// ---------------------------------------------------------------------------------------------
// The interpreter: one pass over the program per point, with a workspace of parameter slots
// followed by the value stack.

template <class S>
S run_program(const FormulaInstruction* code, std::size_t n, S* slots, S* stack, double x,
              double y) {
  S* sp = stack;  // next free stack entry
  for (std::size_t k = 0; k < n; ++k) {
    const FormulaInstruction& in = code[k];
    switch (in.op) {
      case FormulaOp::Const:
        *sp++ = S(in.c);
        break;
      case FormulaOp::X:
        if constexpr (std::is_same_v<S, Jet>)
          *sp++ = Jet::variable_x(x);
        else
          *sp++ = x;
        break;
      case FormulaOp::Y:
        if constexpr (std::is_same_v<S, Jet>)
          *sp++ = Jet::variable_y(y);
        else
          *sp++ = y;
        break;
      case FormulaOp::Load:
        *sp++ = slots[in.slot];
        break;
      case FormulaOp::Store:
        slots[in.slot] = *--sp;
        break;
      case FormulaOp::Add:
        sp[-2] = sp[-2] + sp[-1], --sp;
        break;
      case FormulaOp::Sub:
        sp[-2] = sp[-2] - sp[-1], --sp;
        break;
      case FormulaOp::Mul:
        sp[-2] = sp[-2] * sp[-1], --sp;
        break;
      case FormulaOp::Div:
      case FormulaOp::Pow:
      case FormulaOp::Min:
      case FormulaOp::Max:
        sp[-2] = binary(in.op, sp[-2], sp[-1]), --sp;
        break;
      case FormulaOp::AddC:
        sp[-1] = sp[-1] + S(in.c);
        break;
      case FormulaOp::SubC:
        sp[-1] = sp[-1] - S(in.c);
        break;
      case FormulaOp::MulC:
        sp[-1] = in.c * sp[-1];
        break;
      case FormulaOp::DivC:
        sp[-1] = divide_by_constant(sp[-1], in.c);
        break;
      case FormulaOp::Square:
        sp[-1] = sp[-1] * sp[-1];
        break;
      case FormulaOp::Neg:
        sp[-1] = -sp[-1];
        break;
      case FormulaOp::CSub:
      case FormulaOp::CDiv:
      case FormulaOp::PowC:
      case FormulaOp::CPow:
        sp[-1] = with_constant(in.op, sp[-1], in.c);
        break;
      case FormulaOp::LseBegin:
        sp[0] = S(0.0);
        sp[1] = S(-kInf);
        sp += 2;
        break;
      case FormulaOp::LseAdd: {
        double m = value_of(sp[-2]);
        lse_add(sp[-3], m, sp[-1]);
        sp[-2] = S(m);
        --sp;
        break;
      }
      case FormulaOp::LseEnd:
        sp[-2] = lse_finish(sp[-2], value_of(sp[-1]));
        --sp;
        break;
      default:
        sp[-1] = unary(in.op, sp[-1]);
        break;
    }
  }
  return sp[-1];
}

// Column-wise interpreter for batches: every stack entry holds a block of up to kBlock points, so
// one instruction dispatch serves kBlock points and the lane loops of the arithmetic vectorize.
// Each lane applies exactly the scalar operations of run_program(), so results are the same.
constexpr int kBlock = 64;

template <class S>
struct Block;
template <>
struct Block<double> {
  double v[kBlock];
  double get(int k) const { return v[k]; }
  void set(int k, double a) { v[k] = a; }
};
template <>
struct Block<Jet> {
  double v[kBlock], gx[kBlock], gy[kBlock], hxx[kBlock], hxy[kBlock], hyy[kBlock];
  Jet get(int k) const { return {v[k], gx[k], gy[k], hxx[k], hxy[k], hyy[k]}; }
  void set(int k, const Jet& a) {
    v[k] = a.v, gx[k] = a.gx, gy[k] = a.gy, hxx[k] = a.hxx, hxy[k] = a.hxy, hyy[k] = a.hyy;
  }
};

template <class S, class F>
inline void lanes(Block<S>& a, int n, F f) {
  for (int k = 0; k < n; ++k) a.set(k, f(a.get(k)));
}
template <class S, class F>
inline void lanes(Block<S>& a, const Block<S>& b, int n, F f) {
  for (int k = 0; k < n; ++k) a.set(k, f(a.get(k), b.get(k)));
}

// Evaluates the program for points xy[2k], xy[2k + 1] (row-major N×2 rows), k < n ≤ kBlock.
// Returns the block holding the results.
template <class S>
const Block<S>& run_block(const FormulaInstruction* code, std::size_t len, Block<S>* slots,
                          Block<S>* stack, const double* xy, int n) {
  Block<S>* sp = stack;
  for (std::size_t i = 0; i < len; ++i) {
    const FormulaInstruction& in = code[i];
    const double c = in.c;
    switch (in.op) {
      case FormulaOp::Const:
        for (int k = 0; k < n; ++k) sp->set(k, S(c));
        ++sp;
        break;
      case FormulaOp::X:
      case FormulaOp::Y: {
        const int col = in.op == FormulaOp::X ? 0 : 1;
        for (int k = 0; k < n; ++k) {
          if constexpr (std::is_same_v<S, Jet>)
            sp->set(k, col == 0 ? Jet::variable_x(xy[2 * k]) : Jet::variable_y(xy[2 * k + 1]));
          else
            sp->set(k, xy[2 * k + col]);
        }
        ++sp;
        break;
      }
      case FormulaOp::Load:
        *sp++ = slots[in.slot];
        break;
      case FormulaOp::Store:
        slots[in.slot] = *--sp;
        break;
      case FormulaOp::Add:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a + b; }), --sp;
        break;
      case FormulaOp::Sub:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a - b; }), --sp;
        break;
      case FormulaOp::Mul:
        lanes(sp[-2], sp[-1], n, [](const S& a, const S& b) { return a * b; }), --sp;
        break;
      case FormulaOp::Div:
      case FormulaOp::Pow:
      case FormulaOp::Min:
      case FormulaOp::Max: {
        const FormulaOp op = in.op;
        lanes(sp[-2], sp[-1], n, [op](const S& a, const S& b) { return binary(op, a, b); });
        --sp;
        break;
      }
      case FormulaOp::AddC:
        lanes(sp[-1], n, [c](const S& a) { return a + S(c); });
        break;
      case FormulaOp::SubC:
        lanes(sp[-1], n, [c](const S& a) { return a - S(c); });
        break;
      case FormulaOp::MulC:
        lanes(sp[-1], n, [c](const S& a) { return c * a; });
        break;
      case FormulaOp::DivC:
        lanes(sp[-1], n, [c](const S& a) { return divide_by_constant(a, c); });
        break;
      case FormulaOp::Square:
        lanes(sp[-1], n, [](const S& a) { return a * a; });
        break;
      case FormulaOp::Neg:
        lanes(sp[-1], n, [](const S& a) { return -a; });
        break;
      case FormulaOp::CSub:
      case FormulaOp::CDiv:
      case FormulaOp::PowC:
      case FormulaOp::CPow: {
        const FormulaOp op = in.op;
        lanes(sp[-1], n, [op, c](const S& a) { return with_constant(op, a, c); });
        break;
      }
      case FormulaOp::LseBegin:
        for (int k = 0; k < n; ++k) sp[0].set(k, S(0.0)), sp[1].set(k, S(-kInf));
        sp += 2;
        break;
      case FormulaOp::LseAdd:
        for (int k = 0; k < n; ++k) {
          S sum = sp[-3].get(k);
          double m = value_of(sp[-2].get(k));
          lse_add(sum, m, sp[-1].get(k));
          sp[-3].set(k, sum);
          sp[-2].set(k, S(m));
        }
        --sp;
        break;
      case FormulaOp::LseEnd:
        for (int k = 0; k < n; ++k)
          sp[-2].set(k, lse_finish(sp[-2].get(k), value_of(sp[-1].get(k))));
        --sp;
        break;
      default: {
        const FormulaOp op = in.op;
        lanes(sp[-1], n, [op](const S& a) { return unary(op, a); });
        break;
      }
    }
  }
  return sp[-1];
}

template <class S>
Block<S>* thread_block_workspace(int size) {
  thread_local std::vector<Block<S>> workspace;
  if (static_cast<int>(workspace.size()) < size) workspace.resize(size);
  return workspace.data();
}

template <class S>
S* thread_workspace(int size) {
  thread_local std::vector<S> workspace;
  if (static_cast<int>(workspace.size()) < size) workspace.resize(size);
  return workspace.data();
}

// ---------------------------------------------------------------------------------------------
// Positions and messages.

std::string where(const std::string& src, int offset) {
  const bool multiline = src.find('\n') != std::string::npos;
  int line = 1, line_start = 0;
  for (int i = 0; i < offset && i < static_cast<int>(src.size()); ++i)
    if (src[i] == '\n') ++line, line_start = i + 1;
  const int column = offset - line_start + 1;
  if (multiline) return "line " + std::to_string(line) + ", column " + std::to_string(column);
  return "column " + std::to_string(column);
}

FormulaIssue issue_at(const std::string& src, int offset, int length, std::string message) {
  FormulaIssue is;
  is.message = std::move(message);
  is.offset = offset;
  is.length = std::max(1, length);
  int line = 1, line_start = 0;
  for (int i = 0; i < offset && i < static_cast<int>(src.size()); ++i)
    if (src[i] == '\n') ++line, line_start = i + 1;
  is.line = line;
  is.column = offset - line_start + 1;
  return is;
}

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Lexer.

enum class Tok {
  Number,
  Name,
  Plus,
  Minus,
  Star,
  Slash,
  Caret,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Assign,
  End
};

struct Token {
  Tok kind = Tok::End;
  int offset = 0;
  int length = 0;
  double number = 0;
};

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

struct FunctionInfo {
  const char* name;
  FormulaOp op;  // LseBegin stands for logsumexp
  int min_args;
  int max_args;  // -1: unbounded
};

constexpr FunctionInfo kFunctions[] = {
    {"exp", FormulaOp::Exp, 1, 1},
    {"log", FormulaOp::Log, 1, 1},
    {"log1p", FormulaOp::Log1p, 1, 1},
    {"sqrt", FormulaOp::Sqrt, 1, 1},
    {"sin", FormulaOp::Sin, 1, 1},
    {"cos", FormulaOp::Cos, 1, 1},
    {"tan", FormulaOp::Tan, 1, 1},
    {"tanh", FormulaOp::Tanh, 1, 1},
    {"abs", FormulaOp::Abs, 1, 1},
    {"pow", FormulaOp::Pow, 2, 2},
    {"min", FormulaOp::Min, 2, -1},
    {"max", FormulaOp::Max, 2, -1},
    {"logsumexp", FormulaOp::LseBegin, 1, -1},
};

const FunctionInfo* find_function(const std::string& name) {
  for (const auto& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

const char* op_name(FormulaOp op) {
  static const char* names[] = {"Const",  "X",    "Y",    "Load",     "Store",  "Add",   "Sub",
                                "Mul",    "Div",  "Pow",  "Min",      "Max",    "AddC",  "SubC",
                                "CSub",   "MulC", "DivC", "CDiv",     "PowC",   "CPow",  "Neg",
                                "Square", "Exp",  "Log",  "Log1p",    "Sqrt",   "Sin",   "Cos",
                                "Tan",    "Tanh", "Abs",  "LseBegin", "LseAdd", "LseEnd"};
  return names[static_cast<int>(op)];
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parser + compiler: source → expression tree (constants folded while it is built) → program.

class FormulaCompiler {
 public:
  explicit FormulaCompiler(const std::string& src) : src_(src) {}

  std::shared_ptr<const FormulaProgram> compile() {
    if (static_cast<int>(src_.size()) > kFormulaMaxLength) {
      FormulaIssue is;
      is.message = "the formula is too long (" + std::to_string(src_.size()) +
                   " characters; the limit is " + std::to_string(kFormulaMaxLength) + ")";
      throw FormulaError(is);
    }
    cur_ = lex(0);
    if (cur_.kind == Tok::End) {
      FormulaIssue is;
      is.message = "the formula is empty";
      throw FormulaError(is);
    }
    while (cur_.kind == Tok::Name && lex(end_of(cur_)).kind == Tok::Assign) {
      parse_assignment();
      if (cur_.kind == Tok::End) fail(cur_, "missing the final expression after the assignments");
    }
    const int result = parse_expression();
    if (cur_.kind == Tok::Semicolon) {
      advance();
      if (cur_.kind != Tok::End)
        fail_at(cur_, "unexpected " + quote(cur_),
                " (only assignments may come before the final expression)");
    }
    if (cur_.kind != Tok::End) fail_after_operand();
    return emit_program(result);
  }

 private:
  struct Node {
    FormulaOp op = FormulaOp::Const;  // LseBegin = logsumexp node; Load = parameter reference
    double c = 0;
    int slot = -1;
    std::vector<int> kids;
  };
  struct Parameter {
    FormulaParameter info;
    int node = -1;  // expression
    int slot = -1;  // for non-constant parameters
    std::vector<int> uses_slots;
  };

  // --- lexing ---
  static int end_of(const Token& t) { return t.offset + t.length; }

  Token lex(int pos) const {
    const int n = static_cast<int>(src_.size());
    while (pos < n) {
      const char c = src_[pos];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos;
      } else if (c == '#') {
        while (pos < n && src_[pos] != '\n') ++pos;
      } else {
        break;
      }
    }
    Token t;
    t.offset = pos;
    if (pos >= n) return t;
    const char c = src_[pos];
    auto single = [&](Tok k) {
      t.kind = k;
      t.length = 1;
      return t;
    };
    switch (c) {
      case '+':
        return single(Tok::Plus);
      case '-':
        return single(Tok::Minus);
      case '*':
        return single(Tok::Star);
      case '/':
        return single(Tok::Slash);
      case '^':
        return single(Tok::Caret);
      case '(':
        return single(Tok::LParen);
      case ')':
        return single(Tok::RParen);
      case ',':
        return single(Tok::Comma);
      case ';':
        return single(Tok::Semicolon);
      case '=':
        return single(Tok::Assign);
      default:
        break;
    }
    if (is_letter(c)) {
      int e = pos;
      while (e < n && (is_letter(src_[e]) || is_digit(src_[e]))) ++e;
      t.kind = Tok::Name;
      t.length = e - pos;
      return t;
    }
    if (is_digit(c) || (c == '.' && pos + 1 < n && is_digit(src_[pos + 1]))) {
      int e = pos;
      while (e < n && is_digit(src_[e])) ++e;
      if (e < n && src_[e] == '.') {
        ++e;
        while (e < n && is_digit(src_[e])) ++e;
      }
      if (e < n && (src_[e] == 'e' || src_[e] == 'E')) {
        int k = e + 1;
        if (k < n && (src_[k] == '+' || src_[k] == '-')) ++k;
        if (k < n && is_digit(src_[k])) {
          while (k < n && is_digit(src_[k])) ++k;
          e = k;
        } else if (k > e + 1) {  // "1e+" / "1e-" with no digits
          Token bad;
          bad.offset = pos;
          bad.length = k - pos;
          fail_at(bad, "malformed number '" + src_.substr(pos, k - pos) + "'");
        }
        // otherwise "2e": the number ends before 'e' (and the parser reports what follows)
      }
      t.kind = Tok::Number;
      t.length = e - pos;
      double v = 0;
      const auto res = std::from_chars(src_.data() + pos, src_.data() + e, v);
      if (res.ec != std::errc() || res.ptr != src_.data() + e || !std::isfinite(v))
        fail_at(t, "number '" + src_.substr(pos, e - pos) + "' is out of range");
      t.number = v;
      return t;
    }
    Token bad;
    bad.offset = pos;
    bad.length = 1;
    const unsigned char uc = static_cast<unsigned char>(c);
    if (uc >= 0x20 && uc < 0x7f) fail_at(bad, std::string("unexpected character '") + c + "'");
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%02x", uc);
    fail_at(bad, std::string("unexpected character (byte ") + buf + ")");
  }

  void advance() { cur_ = lex(end_of(cur_)); }
  std::string text(const Token& t) const { return src_.substr(t.offset, t.length); }
  std::string quote(const Token& t) const { return "'" + text(t) + "'"; }

  // --- errors ---
  [[noreturn]] void fail_at(const Token& t, const std::string& what,
                            const std::string& after = "") const {
    throw FormulaError(
        issue_at(src_, t.offset, t.length, what + " at " + where(src_, t.offset) + after));
  }
  // A message without "at column N" (end of input); the position is still recorded.
  [[noreturn]] void fail(const Token& t, const std::string& what) const {
    throw FormulaError(issue_at(src_, t.offset, 1, what));
  }
  [[noreturn]] void fail_unexpected() const {
    if (cur_.kind == Tok::End) fail(cur_, "unexpected end of input");
    fail_at(cur_, "unexpected " + quote(cur_));
  }
  // Something follows a complete operand where an operator, ')' or the end was expected.
  [[noreturn]] void fail_after_operand() const {
    if (cur_.kind == Tok::Number || cur_.kind == Tok::Name || cur_.kind == Tok::LParen)
      fail_at(cur_, "missing operator before " + quote(cur_));
    fail_unexpected();
  }

  struct DepthGuard {
    int& depth;
    DepthGuard(int& d, const FormulaCompiler& c) : depth(d) {
      if (++depth > kFormulaMaxDepth)
        c.fail_at(c.cur_, "the formula is nested too deeply",
                  " (limit " + std::to_string(kFormulaMaxDepth) + " levels)");
    }
    ~DepthGuard() { --depth; }
  };

  // --- tree building with constant folding ---
  int add_node(Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size()) - 1;
  }
  int constant(double v) {
    Node n;
    n.c = v;
    return add_node(std::move(n));
  }
  bool is_const(int i) const { return nodes_[i].op == FormulaOp::Const; }

  int make_unary(FormulaOp op, int a) {
    if (is_const(a)) return constant(unary(op, nodes_[a].c));
    Node n;
    n.op = op;
    n.kids = {a};
    return add_node(std::move(n));
  }
  int make_binary(FormulaOp op, int a, int b) {
    if (is_const(a) && is_const(b)) {
      // A constant exponent compiles to PowC (std::pow), so fold it the same way: 2^3^2 = 512.
      if (op == FormulaOp::Pow) return constant(power_constant(nodes_[a].c, nodes_[b].c));
      return constant(binary(op, nodes_[a].c, nodes_[b].c));
    }
    Node n;
    n.op = op;
    n.kids = {a, b};
    return add_node(std::move(n));
  }
  int make_logsumexp(std::vector<int> args) {
    bool all_const = true;
    for (int a : args) all_const = all_const && is_const(a);
    if (all_const) {
      double sum = 0, m = -kInf;
      for (int a : args) lse_add(sum, m, nodes_[a].c);
      return constant(lse_finish(sum, m));
    }
    Node n;
    n.op = FormulaOp::LseBegin;
    n.kids = std::move(args);
    return add_node(std::move(n));
  }

  // --- grammar ---
  void parse_assignment() {
    const Token name = cur_;
    const std::string id = text(name);
    if (id == "x" || id == "y" || id == "pi" || id == "e" || find_function(id))
      fail_at(name, "cannot assign to reserved name '" + id + "'");
    for (const auto& p : params_)
      if (p.info.name == id) fail_at(name, "parameter '" + id + "' is assigned twice");
    if (static_cast<int>(params_.size()) >= kFormulaMaxParameters)
      fail_at(name, "too many parameters",
              " (limit " + std::to_string(kFormulaMaxParameters) + ")");
    advance();  // name
    advance();  // '='
    if (cur_.kind == Tok::End) fail_unexpected();
    current_uses_.clear();
    Parameter p;
    p.info.name = id;
    p.info.offset = name.offset;
    p.node = parse_expression();
    p.uses_slots = current_uses_;
    if (is_const(p.node)) {
      p.info.constant = true;
      p.info.value = nodes_[p.node].c;
    } else {
      p.slot = num_slots_++;
    }
    params_.push_back(std::move(p));
    if (cur_.kind == Tok::Semicolon) {
      advance();
    } else if (cur_.kind == Tok::End) {
      fail(cur_, "missing the final expression after the assignments");
    } else {
      fail_after_operand();
    }
  }

  int parse_expression() {
    int left = parse_term();
    while (cur_.kind == Tok::Plus || cur_.kind == Tok::Minus) {
      const FormulaOp op = cur_.kind == Tok::Plus ? FormulaOp::Add : FormulaOp::Sub;
      advance();
      left = make_binary(op, left, parse_term());
    }
    return left;
  }

  int parse_term() {
    int left = parse_unary();
    while (cur_.kind == Tok::Star || cur_.kind == Tok::Slash) {
      const FormulaOp op = cur_.kind == Tok::Star ? FormulaOp::Mul : FormulaOp::Div;
      advance();
      left = make_binary(op, left, parse_unary());
    }
    return left;
  }

  int parse_unary() {
    DepthGuard guard(depth_, *this);
    if (cur_.kind == Tok::Minus) {
      advance();
      return make_unary(FormulaOp::Neg, parse_unary());
    }
    if (cur_.kind == Tok::Plus) {
      advance();
      return parse_unary();
    }
    const int base = parse_primary();
    if (cur_.kind == Tok::Caret) {
      advance();
      return make_binary(FormulaOp::Pow, base, parse_unary());
    }
    return base;
  }

  void expect_close_paren() {
    if (cur_.kind != Tok::RParen) {
      if (cur_.kind == Tok::End) fail_at(cur_, "missing ')'");
      fail_at(cur_, "missing ')'");
    }
    advance();
  }

  int parse_primary() {
    const Token t = cur_;
    switch (t.kind) {
      case Tok::Number:
        advance();
        return constant(t.number);
      case Tok::LParen: {
        advance();
        const int e = parse_expression();
        expect_close_paren();
        return e;
      }
      case Tok::Name:
        break;
      default:
        fail_unexpected();
    }
    const std::string id = text(t);
    advance();
    if (cur_.kind == Tok::LParen) return parse_call(t, id);
    if (id == "x" || id == "y") {
      Node n;
      n.op = id == "x" ? FormulaOp::X : FormulaOp::Y;
      return add_node(std::move(n));
    }
    if (id == "pi") return constant(std::numbers::pi);
    if (id == "e") return constant(std::numbers::e);
    for (auto& p : params_) {
      if (p.info.name != id) continue;
      p.info.used = true;
      if (p.info.constant) return constant(p.info.value);
      current_uses_.push_back(p.slot);
      Node n;
      n.op = FormulaOp::Load;
      n.slot = p.slot;
      return add_node(std::move(n));
    }
    if (find_function(id)) fail_at(cur_, "missing '(' after function '" + id + "'");
    fail_at(t, "unknown variable '" + id + "'");
  }

  int parse_call(const Token& name, const std::string& id) {
    const FunctionInfo* f = find_function(id);
    if (!f) fail_at(name, "unknown function '" + id + "'");
    advance();  // '('
    std::vector<int> args;
    if (cur_.kind != Tok::RParen) {
      args.push_back(parse_expression());
      while (cur_.kind == Tok::Comma) {
        advance();
        args.push_back(parse_expression());
      }
    }
    expect_close_paren();
    const int got = static_cast<int>(args.size());
    if (got < f->min_args || (f->max_args >= 0 && got > f->max_args)) {
      std::string expected =
          f->max_args < 0 ? "at least " + std::to_string(f->min_args) : std::to_string(f->min_args);
      fail_at(name, "wrong number of arguments for '" + id + "'",
              " (expected " + expected + ", got " + std::to_string(got) + ")");
    }
    if (f->op == FormulaOp::LseBegin) return make_logsumexp(std::move(args));
    if (f->op == FormulaOp::Pow) return make_binary(FormulaOp::Pow, args[0], args[1]);
    if (f->op == FormulaOp::Min || f->op == FormulaOp::Max) {
      int acc = args[0];
      for (int k = 1; k < got; ++k) acc = make_binary(f->op, acc, args[k]);
      return acc;
    }
    return make_unary(f->op, args[0]);
  }

  // --- code generation ---
  void push(FormulaOp op, double c = 0, int slot = 0, int stack_change = 0) {
    FormulaInstruction in;
    in.op = op;
    in.c = c;
    in.slot = slot;
    code_.push_back(in);
    depth_now_ += stack_change;
    max_depth_ = std::max(max_depth_, depth_now_);
  }

  void emit(int i) {
    const Node& n = nodes_[i];
    switch (n.op) {
      case FormulaOp::Const:
        push(FormulaOp::Const, n.c, 0, +1);
        return;
      case FormulaOp::X:
      case FormulaOp::Y:
        push(n.op, 0, 0, +1);
        return;
      case FormulaOp::Load:
        push(FormulaOp::Load, 0, n.slot, +1);
        return;
      case FormulaOp::LseBegin:
        push(FormulaOp::LseBegin, 0, 0, +2);
        for (int k : n.kids) {
          emit(k);
          push(FormulaOp::LseAdd, 0, 0, -1);
        }
        push(FormulaOp::LseEnd, 0, 0, -1);
        return;
      default:
        break;
    }
    if (is_unary(n.op)) {
      emit(n.kids[0]);
      push(n.op);
      return;
    }
    const int a = n.kids[0], b = n.kids[1];
    const bool ca = is_const(a), cb = is_const(b);
    const double va = nodes_[a].c, vb = nodes_[b].c;
    switch (n.op) {
      case FormulaOp::Add:
      case FormulaOp::Mul:
        if (cb || ca) {
          emit(cb ? a : b);
          push(n.op == FormulaOp::Add ? FormulaOp::AddC : FormulaOp::MulC, cb ? vb : va);
          return;
        }
        break;
      case FormulaOp::Sub:
        if (cb) return emit(a), push(FormulaOp::SubC, vb);
        if (ca) return emit(b), push(FormulaOp::CSub, va);
        break;
      case FormulaOp::Div:
        if (cb) return emit(a), push(FormulaOp::DivC, vb);
        if (ca) return emit(b), push(FormulaOp::CDiv, va);
        break;
      case FormulaOp::Pow:
        if (cb) return emit(a), vb == 2 ? push(FormulaOp::Square) : push(FormulaOp::PowC, vb);
        if (ca && va == std::numbers::e) return emit(b), push(FormulaOp::Exp);
        if (ca) return emit(b), push(FormulaOp::CPow, va);
        break;
      default:
        break;
    }
    emit(a);
    emit(b);
    push(n.op, 0, 0, -1);
  }

  std::shared_ptr<const FormulaProgram> emit_program(int result) {
    // Parameters needed by the result, directly or through later parameters.
    std::vector<bool> needed(num_slots_, false);
    std::vector<int> result_uses;
    collect_loads(result, result_uses);
    for (int s : result_uses) needed[s] = true;
    for (int k = static_cast<int>(params_.size()) - 1; k >= 0; --k) {
      const Parameter& p = params_[k];
      if (p.slot >= 0 && needed[p.slot])
        for (int s : p.uses_slots) needed[s] = true;
    }
    for (const Parameter& p : params_) {
      if (p.slot < 0 || !needed[p.slot]) continue;
      emit(p.node);
      push(FormulaOp::Store, 0, p.slot, -1);
    }
    emit(result);
    auto prog = std::make_shared<FormulaProgram>();
    prog->source_ = src_;
    prog->code_ = std::move(code_);
    prog->num_parameter_slots_ = num_slots_;
    prog->workspace_size_ = num_slots_ + max_depth_ + 1;
    for (const Parameter& p : params_) prog->parameters_.push_back(p.info);
    return prog;
  }

  void collect_loads(int i, std::vector<int>& out) const {
    const Node& n = nodes_[i];
    if (n.op == FormulaOp::Load) out.push_back(n.slot);
    for (int k : n.kids) collect_loads(k, out);
  }

  const std::string& src_;
  Token cur_;
  int depth_ = 0;
  std::vector<Node> nodes_;
  std::vector<Parameter> params_;
  std::vector<int> current_uses_;
  int num_slots_ = 0;
  std::vector<FormulaInstruction> code_;
  int depth_now_ = 0, max_depth_ = 0;
};

// ---------------------------------------------------------------------------------------------
// FormulaProgram

std::shared_ptr<const FormulaProgram> FormulaProgram::compile(const std::string& source) {
  return FormulaCompiler(source).compile();
}

double FormulaProgram::value(double x, double y) const {
  double* ws = thread_workspace<double>(workspace_size_);
  return run_program<double>(code_.data(), code_.size(), ws, ws + num_parameter_slots_, x, y);
}

Jet FormulaProgram::jet(double x, double y) const {
  Jet* ws = thread_workspace<Jet>(workspace_size_);
  return run_program<Jet>(code_.data(), code_.size(), ws, ws + num_parameter_slots_, x, y);
}

bool FormulaProgram::is_constant() const {
  for (const auto& in : code_)
    if (in.op == FormulaOp::X || in.op == FormulaOp::Y) return false;
  return true;
}

void FormulaProgram::evaluate(const Points& x, Vec* log_density, Points* score,
                              Hessians* hessian) const {
  const Eigen::Index n = x.rows();
  if (log_density && log_density->size() != n) log_density->resize(n);
  if (score && score->rows() != n) score->resize(n, 2);
  if (hessian && hessian->rows() != n) hessian->resize(n, 3);
  const bool need_jet = score || hessian;
  if (!log_density && !need_jet) return;
  const FormulaInstruction* code = code_.data();
  const std::size_t len = code_.size();
  const double* xy = x.data();  // row-major: x(i, 0), x(i, 1) at xy[2i], xy[2i + 1]
  const int slots = num_parameter_slots_;
  auto body = [&](const tbb::blocked_range<Eigen::Index>& r) {
    if (!need_jet) {
      Block<double>* ws = thread_block_workspace<double>(workspace_size_);
      for (Eigen::Index i0 = r.begin(); i0 < r.end(); i0 += kBlock) {
        const int m = static_cast<int>(std::min<Eigen::Index>(kBlock, r.end() - i0));
        const Block<double>& out = run_block<double>(code, len, ws, ws + slots, xy + 2 * i0, m);
        for (int k = 0; k < m; ++k) (*log_density)(i0 + k) = out.v[k];
      }
      return;
    }
    Block<Jet>* ws = thread_block_workspace<Jet>(workspace_size_);
    for (Eigen::Index i0 = r.begin(); i0 < r.end(); i0 += kBlock) {
      const int m = static_cast<int>(std::min<Eigen::Index>(kBlock, r.end() - i0));
      const Block<Jet>& out = run_block<Jet>(code, len, ws, ws + slots, xy + 2 * i0, m);
      for (int k = 0; k < m; ++k) {
        const Eigen::Index i = i0 + k;
        if (log_density) (*log_density)(i) = out.v[k];
        if (score) (*score)(i, 0) = out.gx[k], (*score)(i, 1) = out.gy[k];
        if (hessian)
          (*hessian)(i, 0) = out.hxx[k], (*hessian)(i, 1) = out.hxy[k],
                        (*hessian)(i, 2) = out.hyy[k];
      }
    }
  };
  if (n < 512)
    body(tbb::blocked_range<Eigen::Index>(0, n));
  else
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, 256), body);
}

std::string FormulaProgram::listing() const {
  std::string out;
  for (const auto& in : code_) {
    out += op_name(in.op);
    if (in.op == FormulaOp::Const || is_with_constant(in.op)) {
      char buf[40];
      std::snprintf(buf, sizeof buf, " %.17g", in.c);
      out += buf;
    }
    if (in.op == FormulaOp::Load || in.op == FormulaOp::Store) out += " " + std::to_string(in.slot);
    out += "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks

namespace {

bool box_is_valid(const Box& b) {
  return std::isfinite(b.xmin) && std::isfinite(b.xmax) && std::isfinite(b.ymin) &&
         std::isfinite(b.ymax) && b.xmin < b.xmax && b.ymin < b.ymax;
}

std::string point_text(double x, double y) {
  return "(x, y) = (" + format_number(x) + ", " + format_number(y) + ")";
}

FormulaIssue plain_issue(std::string message, std::string field = "log_density") {
  FormulaIssue is;
  is.field = std::move(field);
  is.message = std::move(message);
  return is;
}

}  // namespace

FormulaCheck check_formula(const std::string& expr, const Box& box,
                           const FormulaCheckOptions& options) {
  FormulaCheck check;
  const bool box_ok = box_is_valid(box);
  if (!box_ok)
    check.errors.push_back(
        plain_issue("the box must be finite with xmin < xmax and ymin < ymax (got [" +
                        format_number(box.xmin) + ", " + format_number(box.xmax) + ", " +
                        format_number(box.ymin) + ", " + format_number(box.ymax) + "])",
                    "box"));
  try {
    check.program = FormulaProgram::compile(expr);
  } catch (const FormulaError& e) {
    check.errors.push_back(e.issue);
  }
  if (!check.program || !box_ok) return check;
  const FormulaProgram& prog = *check.program;

  for (const auto& p : prog.parameters())
    if (!p.used) {
      FormulaIssue is =
          issue_at(expr, p.offset, static_cast<int>(p.name.size()),
                   "parameter '" + p.name + "' is never used at " + where(expr, p.offset));
      check.warnings.push_back(is);
    }
  if (prog.is_constant())
    check.warnings.push_back(
        plain_issue("the formula does not depend on x or y: the density is uniform on the box"));

  // Log density on the (n+1)² grid nodes, edges included.
  const int n = std::max(2, options.grid_cells);
  const int m = n + 1;
  const double hx = box.width() / n, hy = box.height() / n;
  auto node_x = [&](int i) { return i == n ? box.xmax : box.xmin + i * hx; };
  auto node_y = [&](int j) { return j == n ? box.ymax : box.ymin + j * hy; };
  std::vector<double> logp(static_cast<std::size_t>(m) * m);
  tbb::parallel_for(tbb::blocked_range<int>(0, m), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j)
      for (int i = 0; i < m; ++i) logp[std::size_t(j) * m + i] = prog.value(node_x(i), node_y(j));
  });

  int bad = 0, first_bad = -1;
  double max_lp = -kInf, edge_max = -kInf;
  int edge_at = -1;
  bool has_pos_inf = false;
  for (int j = 0; j < m; ++j)
    for (int i = 0; i < m; ++i) {
      const int k = j * m + i;
      const double v = logp[k];
      if (std::isnan(v) || v == kInf) {
        if (bad++ == 0) first_bad = k;
        has_pos_inf = has_pos_inf || v == kInf;
        continue;
      }
      if (v > max_lp) max_lp = v;
      const bool edge = i == 0 || j == 0 || i == n || j == n;
      if (edge && v > edge_max) edge_max = v, edge_at = k;
    }
  if (bad > 0) {
    const double v = logp[first_bad];
    check.errors.push_back(plain_issue(
        "the log density is not finite on the box: " + std::string(std::isnan(v) ? "nan" : "+inf") +
        " at " + point_text(node_x(first_bad % m), node_y(first_bad / m)) + " (" +
        std::to_string(bad) + " of " + std::to_string(m * m) + " grid points)"));
  }

  // Trapezoid rule in log space: weights 1 inside, 1/2 on edges, 1/4 at corners.
  double log_z = -kInf;
  if (has_pos_inf) {
    log_z = kInf;
  } else if (max_lp > -kInf) {
    double sum = 0;
    for (int j = 0; j < m; ++j)
      for (int i = 0; i < m; ++i) {
        const double v = logp[std::size_t(j) * m + i];
        if (std::isnan(v)) continue;
        const double w = ((i == 0 || i == n) ? 0.5 : 1.0) * ((j == 0 || j == n) ? 0.5 : 1.0);
        sum += w * std::exp(v - max_lp);
      }
    log_z = max_lp + std::log(sum) + std::log(hx * hy);
  }
  check.log_normalizer = log_z;
  check.max_log_density = max_lp;
  if (!std::isfinite(log_z)) {
    check.errors.push_back(plain_issue(
        std::string("the density is not normalizable on the box: its integral over the grid is ") +
        (log_z == kInf ? "infinite" : "0")));
  }
  if (!check.errors.empty()) return check;

  check.edge_ratio = std::exp(edge_max - max_lp);
  if (check.edge_ratio > options.edge_ratio_warning) {
    check.warnings.push_back(
        plain_issue("the density at the box edge reaches " + format_number(100 * check.edge_ratio) +
                    "% of its maximum, at " + point_text(node_x(edge_at % m), node_y(edge_at / m)) +
                    ": the box may cut off mass; enlarge it"));
  }

  // Score at the n² cell centres (not the nodes: a removable singularity exactly on a node, such
  // as the origin of a radial formula, is of no concern to a sampler), where the density is > 0.
  std::vector<char> score_ok(static_cast<std::size_t>(n) * n, 1);
  auto centre_x = [&](int i) { return box.xmin + (i + 0.5) * hx; };
  auto centre_y = [&](int j) { return box.ymin + (j + 0.5) * hy; };
  tbb::parallel_for(tbb::blocked_range<int>(0, n), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j)
      for (int i = 0; i < n; ++i) {
        const Jet g = prog.jet(centre_x(i), centre_y(j));
        if (g.v == -kInf) continue;
        score_ok[std::size_t(j) * n + i] = std::isfinite(g.gx) && std::isfinite(g.gy);
      }
  });
  int bad_score = 0, first_bad_score = -1;
  for (std::size_t k = 0; k < score_ok.size(); ++k)
    if (!score_ok[k] && bad_score++ == 0) first_bad_score = static_cast<int>(k);
  if (bad_score > 0)
    check.warnings.push_back(
        plain_issue("the score is not finite at " +
                    point_text(centre_x(first_bad_score % n), centre_y(first_bad_score / n)) +
                    " (" + std::to_string(bad_score) + " of " + std::to_string(n * n) +
                    " grid cell centres): gradient-based methods may fail there"));

  check.ok = true;
  return check;
}

// ---------------------------------------------------------------------------------------------
// FormulaTarget

FormulaTarget::FormulaTarget(std::shared_ptr<const FormulaProgram> program, const Box& box,
                             std::vector<FormulaIssue> warnings)
    : program_(std::move(program)), box_(box), warnings_(std::move(warnings)) {}

TargetSpec FormulaTarget::spec() const {
  TargetSpec s;
  s.kind = "formula";
  s.log_density = program_->source();
  s.box = box_;
  return s;
}

std::shared_ptr<const Target> make_formula_target(const FormulaCheck& check, const Box& box) {
  if (!check.ok || !check.program) {
    if (!check.errors.empty()) throw FormulaError(check.errors.front());
    throw FormulaError(plain_issue("the formula has not been checked"));
  }
  return std::make_shared<FormulaTarget>(check.program, box, check.warnings);
}

std::shared_ptr<const Target> make_formula_target(const std::string& expr, const Box& box) {
  return make_formula_target(check_formula(expr, box), box);
}

}  // namespace ss
