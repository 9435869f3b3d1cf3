// The formula compiler: lexer, parser and code generation (source → expression tree with
// constants folded while it is built → stack program), and the program listing. Evaluation is in
// formula_eval.cpp, the checks in formula_check.cpp.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/targets/formula.h"
#include "core/targets/formula_internal.h"

namespace ss {

using namespace formula_detail;

namespace {

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

}  // namespace ss
