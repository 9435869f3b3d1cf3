#include "core/nn/optim.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/nn/binary_io.h"

namespace ss::nn {

using Eigen::Index;

void AdamOptions::validate() const {
  if (!(learning_rate >= 0) || !std::isfinite(learning_rate))
    throw std::invalid_argument("learning_rate: must be finite and >= 0");
  if (!(beta1 >= 0 && beta1 < 1)) throw std::invalid_argument("beta1: must be in [0, 1)");
  if (!(beta2 >= 0 && beta2 < 1)) throw std::invalid_argument("beta2: must be in [0, 1)");
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    throw std::invalid_argument("epsilon: must be finite and > 0");
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay))
    throw std::invalid_argument("weight_decay: must be finite and >= 0");
}

Adam::Adam(Index size, const AdamOptions& options) : options_(options) {
  options_.validate();
  if (size < 0) throw std::invalid_argument("Adam: size must be >= 0");
  m_ = Vec::Zero(size);
  v_ = Vec::Zero(size);
}

void Adam::reset() {
  m_.setZero();
  v_.setZero();
  t_ = 0;
}

void Adam::set_learning_rate(double lr) {
  AdamOptions o = options_;
  o.learning_rate = lr;
  o.validate();
  options_ = o;
}

void Adam::step(std::span<const ParameterSpan> spans) {
  if (total_size(spans) != m_.size())
    throw std::invalid_argument("Adam::step: spans hold " + std::to_string(total_size(spans)) +
                                " parameters, optimizer was built for " +
                                std::to_string(m_.size()));
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  const double lr = options_.learning_rate, eps = options_.epsilon, wd = options_.weight_decay;
  Index offset = 0;
  for (const ParameterSpan& s : spans) {
    auto theta = s.value_map().array();
    auto g = s.gradient_map().array();
    auto m = m_.segment(offset, s.size).array();
    auto v = v_.segment(offset, s.size).array();
    m = b1 * m + (1.0 - b1) * g;
    v = b2 * v + (1.0 - b2) * g.square();
    theta -= lr * ((m / bc1) / ((v / bc2).sqrt() + eps) + wd * theta);
    offset += s.size;
  }
}

void Adam::save(std::ostream& out) const {
  binary::write_magic(out, "SSADAM01");
  binary::write<double>(out, options_.learning_rate);
  binary::write<double>(out, options_.beta1);
  binary::write<double>(out, options_.beta2);
  binary::write<double>(out, options_.epsilon);
  binary::write<double>(out, options_.weight_decay);
  binary::write<std::int64_t>(out, t_);
  binary::write<std::int64_t>(out, m_.size());
  binary::write_doubles(out, m_.data(), m_.size());
  binary::write_doubles(out, v_.data(), v_.size());
}

void Adam::load(std::istream& in) {
  binary::expect_magic(in, "SSADAM01");
  AdamOptions o;
  o.learning_rate = binary::read<double>(in, "Adam learning_rate");
  o.beta1 = binary::read<double>(in, "Adam beta1");
  o.beta2 = binary::read<double>(in, "Adam beta2");
  o.epsilon = binary::read<double>(in, "Adam epsilon");
  o.weight_decay = binary::read<double>(in, "Adam weight_decay");
  o.validate();
  const auto t = binary::read<std::int64_t>(in, "Adam step count");
  const auto n = binary::read<std::int64_t>(in, "Adam size");
  if (t < 0 || n < 0 || n > (std::int64_t(1) << 34))
    throw std::runtime_error("Adam::load: bad step count or size");
  Vec m(n), v(n);
  binary::read_doubles(in, m.data(), n, "Adam first moment");
  binary::read_doubles(in, v.data(), n, "Adam second moment");
  options_ = o;
  t_ = t;
  m_ = std::move(m);
  v_ = std::move(v);
}

Index total_size(std::span<const ParameterSpan> spans) {
  Index n = 0;
  for (const auto& s : spans) n += s.size;
  return n;
}

double global_gradient_norm(std::span<const ParameterSpan> spans) {
  // Two passes: the largest magnitude, then the scaled sum of squares (no overflow/underflow).
  double scale = 0;
  for (const auto& s : spans) {
    for (Index i = 0; i < s.size; ++i) {
      const double a = std::abs(s.gradients[i]);
      if (!(a <= scale)) scale = a;  // also picks up NaN
    }
  }
  if (!std::isfinite(scale)) return scale;
  if (scale == 0) return 0;
  double sum = 0;
  for (const auto& s : spans)
    for (Index i = 0; i < s.size; ++i) {
      const double r = s.gradients[i] / scale;
      sum += r * r;
    }
  return scale * std::sqrt(sum);
}

double clip_global_norm(std::span<const ParameterSpan> spans, double max_norm) {
  if (!(max_norm > 0)) throw std::invalid_argument("max_norm: must be > 0");
  const double norm = global_gradient_norm(spans);
  if (!std::isfinite(norm) || norm <= max_norm) return norm;
  const double factor = max_norm / norm;
  for (const auto& s : spans) s.gradient_map() *= factor;
  return norm;
}

double clip_and_step(Adam& adam, std::span<const ParameterSpan> spans, double max_norm) {
  const double norm =
      max_norm > 0 ? clip_global_norm(spans, max_norm) : global_gradient_norm(spans);
  if (std::isfinite(norm)) adam.step(spans);
  return norm;
}

void save_parameters(std::ostream& out, std::span<const ParameterSpan> spans) {
  binary::write_magic(out, "SSPRM001");
  binary::write<std::int64_t>(out, total_size(spans));
  for (const auto& s : spans) binary::write_doubles(out, s.values, s.size);
}

void load_parameters(std::istream& in, std::span<const ParameterSpan> spans) {
  binary::expect_magic(in, "SSPRM001");
  const auto n = binary::read<std::int64_t>(in, "parameter count");
  if (n != total_size(spans))
    throw std::runtime_error("load_parameters: stream holds " + std::to_string(n) +
                             " parameters, expected " + std::to_string(total_size(spans)));
  // Read into a temporary first so a truncated stream leaves the networks untouched.
  Vec buffer(n);
  binary::read_doubles(in, buffer.data(), n, "parameter values");
  Index offset = 0;
  for (const auto& s : spans) {
    s.value_map() = buffer.segment(offset, s.size);
    offset += s.size;
  }
}

void save_checkpoint(std::ostream& out, std::span<const ParameterSpan> spans, const Adam& adam) {
  save_parameters(out, spans);
  adam.save(out);
}

void load_checkpoint(std::istream& in, std::span<const ParameterSpan> spans, Adam& adam) {
  Vec backup(total_size(spans));
  Index offset = 0;
  for (const auto& s : spans) {
    backup.segment(offset, s.size) = s.value_map();
    offset += s.size;
  }
  load_parameters(in, spans);
  Adam loaded;
  try {
    loaded.load(in);
    if (loaded.size() != total_size(spans))
      throw std::runtime_error("load_checkpoint: optimizer state size does not match parameters");
  } catch (...) {
    offset = 0;
    for (const auto& s : spans) {
      s.value_map() = backup.segment(offset, s.size);
      offset += s.size;
    }
    throw;
  }
  adam = std::move(loaded);
}

void save_checkpoint_file(const std::string& path, std::span<const ParameterSpan> spans,
                          const Adam& adam) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("save_checkpoint_file: cannot open " + tmp);
    save_checkpoint(out, spans, adam);
    out.flush();
    if (!out) throw std::runtime_error("save_checkpoint_file: write failed for " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("save_checkpoint_file: cannot rename " + tmp + " to " + path);
}

void load_checkpoint_file(const std::string& path, std::span<const ParameterSpan> spans,
                          Adam& adam) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("load_checkpoint_file: cannot open " + path);
  load_checkpoint(in, spans, adam);
}

}  // namespace ss::nn
