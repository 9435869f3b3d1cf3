// EbmProblem construction: data from a target's grid reference or from a CSV file, the truth on the
// normalization grid (problem.h).
//
// Normalization on the grid: the truth's normalized log density is the centre value minus the
// grid's own log normalizer, log p_data(c) = log p̃(c) − [LSE_c log p̃(c) + log(cell area)], so
// Σ_c exp(log p_data(c))·area = 1 exactly — the same midpoint rule every EBM is normalized with
// (energy.h), so an EBM equal to the truth has kl_true_model = 0, mode_tv = 0 and nll_test =
// nll_true. Region masses are the sums of exp(log p_data)·area over each region's cells, and
// nll_true is −mean(log p̃(x) − that log normalizer) over the test set.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/ebm/problem.h"

namespace ss {

namespace {

constexpr std::uintmax_t kMaxCsvBytes = std::uintmax_t(256) << 20;  // 256 MiB

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) --b;
  return std::string(s.substr(a, b - a));
}

bool parse_double(const std::string& field, double& out) {
  if (field.empty()) return false;
  const char* first = field.data();
  if (*first == '+') ++first;  // from_chars does not take a leading '+'
  const char* last = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

std::string lower_no_space(const std::string& s) {
  std::string r;
  for (char c : s)
    if (c != ' ' && c != '"' && c != '\t' && c != '\r')
      r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string shorten(const std::string& s) {
  return s.size() <= 60 ? s : s.substr(0, 57) + "...";
}

std::string fmt(double v) {
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}

void check_settings(const DataSettings& data, const EbmSettings& ebm, int grid_n) {
  auto bad = [](const std::string& field, const std::string& what) {
    throw ParamError(field, field + ": " + what);
  };
  if (data.csv.empty()) {
    if (data.samples < 16 || data.samples > 1'000'000)
      bad("data.samples", "expected an integer in [16, 1000000], got " + fmt(data.samples));
    if (data.test_samples < 16 || data.test_samples > 1'000'000)
      bad("data.test_samples",
          "expected an integer in [16, 1000000], got " + fmt(data.test_samples));
  }
  if (ebm.hidden.empty()) bad("ebm.hidden", "expected at least one hidden layer width");
  for (int w : ebm.hidden)
    if (w < 1 || w > 4096) bad("ebm.hidden", "expected widths in [1, 4096], got " + fmt(w));
  if (!(ebm.leaky_slope >= 0 && ebm.leaky_slope < 1))
    bad("ebm.leaky_slope", "expected a number in [0, 1), got " + fmt(ebm.leaky_slope));
  if (ebm.optimizer != "adam" && ebm.optimizer != "sgd")
    bad("ebm.optimizer", "expected one of: adam, sgd, got '" + ebm.optimizer + "'");
  if (!(ebm.learning_rate > 0 && ebm.learning_rate <= 1))
    bad("ebm.learning_rate", "expected a number in (0, 1], got " + fmt(ebm.learning_rate));
  if (ebm.batch < 1 || ebm.batch > 4096)
    bad("ebm.batch", "expected an integer in [1, 4096], got " + fmt(ebm.batch));
  if (ebm.persistent < ebm.batch || ebm.persistent > 65536)
    bad("ebm.persistent", "expected an integer in [batch = " + fmt(ebm.batch) + ", 65536], got " +
                              fmt(ebm.persistent));
  if (!(ebm.l2 >= 0 && std::isfinite(ebm.l2)))
    bad("ebm.l2", "expected a finite number >= 0, got " + fmt(ebm.l2));
  if (!(ebm.max_log_density_range >= 1 && ebm.max_log_density_range <= 1e15))
    bad("ebm.max_log_density_range",
        "expected a number in [1, 1e15] (nats), got " + fmt(ebm.max_log_density_range));
  if (grid_n < 8 || grid_n > 1024)
    bad("grid_n", "expected an integer in [8, 1024], got " + fmt(grid_n));
}

double log_sum_exp(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

}  // namespace

Points read_points_csv(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    throw std::runtime_error("data file '" + path + "': cannot open it (no such file)");
  if (!fs::is_regular_file(status))
    throw std::runtime_error("data file '" + path + "': not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw std::runtime_error("data file '" + path + "': cannot read its size");
  if (size > kMaxCsvBytes)
    throw std::runtime_error("data file '" + path + "': too large (" + std::to_string(size) +
                             " bytes; the limit is 256 MiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("data file '" + path + "': cannot open it");
  std::vector<double> xs;
  std::string line;
  int line_no = 0;
  bool first_content = true;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty()) continue;
    if (first_content) {
      first_content = false;
      if (lower_no_space(t) == "x,y") continue;  // the optional header
    }
    const auto comma = t.find(',');
    double x = 0, y = 0;
    const bool ok = comma != std::string::npos && t.find(',', comma + 1) == std::string::npos &&
                    parse_double(trim(std::string_view(t).substr(0, comma)), x) &&
                    parse_double(trim(std::string_view(t).substr(comma + 1)), y) &&
                    std::isfinite(x) && std::isfinite(y);
    if (!ok)
      throw std::runtime_error("data file '" + path + "' line " + std::to_string(line_no) +
                               ": expected two finite numbers 'x,y', got '" + shorten(t) + "'");
    xs.push_back(x);
    xs.push_back(y);
  }
  if (in.bad()) throw std::runtime_error("data file '" + path + "': read error");
  if (xs.empty()) throw std::runtime_error("data file '" + path + "' has no points (empty file)");
  Points p(static_cast<Eigen::Index>(xs.size() / 2), 2);
  for (Eigen::Index i = 0; i < p.rows(); ++i) p(i, 0) = xs[2 * i], p(i, 1) = xs[2 * i + 1];
  return p;
}

std::shared_ptr<const EbmProblem> make_ebm_problem(std::shared_ptr<const Target> target,
                                                   const DataSettings& data, const EbmSettings& ebm,
                                                   std::uint64_t seed, int grid_n) {
  check_settings(data, ebm, grid_n);
  auto problem = std::make_shared<EbmProblem>();
  problem->ebm = ebm;
  problem->seed = seed;
  problem->grid_n = grid_n;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  if (!data.csv.empty()) {
    if (!data.box)
      throw ParamError("data.box",
                       "data.box: required with data.csv (the box the EBM is "
                       "normalized and drawn on)");
    const Box& b = *data.box;
    if (!(std::isfinite(b.xmin) && std::isfinite(b.xmax) && std::isfinite(b.ymin) &&
          std::isfinite(b.ymax) && b.xmax > b.xmin && b.ymax > b.ymin))
      throw ParamError("data.box",
                       "data.box: expected finite bounds with xmin < xmax and "
                       "ymin < ymax");
    const Points all = read_points_csv(data.csv);
    const Eigen::Index n = all.rows();
    const Eigen::Index n_test = n / 5, n_train = n - n_test;
    if (n_train < 16 || n_test < 1)
      throw std::runtime_error("data file '" + data.csv + "' has " + std::to_string(n) +
                               " points; at least 19 are needed (16 training rows once every "
                               "fifth row is held out for testing)");
    bool identical = true;
    for (Eigen::Index i = 1; i < n && identical; ++i)
      identical = all(i, 0) == all(0, 0) && all(i, 1) == all(0, 1);
    if (identical)
      throw std::runtime_error("data file '" + data.csv + "': all " + std::to_string(n) +
                               " points are identical (" + fmt(all(0, 0)) + ", " + fmt(all(0, 1)) +
                               "); an EBM needs a spread of points");
    Eigen::Index outside = 0, first = -1;
    for (Eigen::Index i = 0; i < n; ++i)
      if (!b.contains(all(i, 0), all(i, 1))) {
        if (first < 0) first = i;
        ++outside;
      }
    if (outside > 0)
      throw std::runtime_error("data file '" + data.csv + "': " + std::to_string(outside) + " of " +
                               std::to_string(n) + " points lie outside data.box [" + fmt(b.xmin) +
                               ", " + fmt(b.xmax) + "] x [" + fmt(b.ymin) + ", " + fmt(b.ymax) +
                               "]; the first is point " + std::to_string(first + 1) + " (" +
                               fmt(all(first, 0)) + ", " + fmt(all(first, 1)) + ")");
    problem->box = b;
    problem->train.resize(n_train, 2);
    problem->test.resize(n_test, 2);
    Eigen::Index a = 0, t = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i % 5 == 4)
        problem->test.row(t++) = all.row(i);
      else
        problem->train.row(a++) = all.row(i);
    }
    problem->nll_true = nan;
    return problem;
  }

  if (!target) throw ParamError("target", "target: an ebm scenario needs a target or data.csv");
  problem->box = target->view_box();
  problem->truth = GridReference::compute(target, grid_n, &problem->box);
  const GridReference& ref = *problem->truth;
  Rng rng(derive_seed(seed, EbmProblem::kDataStream));
  ref.sample(data.samples, rng, problem->train);
  ref.sample(data.test_samples, rng, problem->test);

  const double area = ref.cell_width() * ref.cell_height();
  const std::vector<double>& logp = ref.log_density_grid();
  const double log_norm = log_sum_exp(logp) + std::log(area);
  if (!std::isfinite(log_norm))
    throw std::runtime_error("target '" + target->kind() +
                             "': its density is not normalizable on the grid");
  problem->true_log_density.resize(logp.size());
  for (std::size_t c = 0; c < logp.size(); ++c) problem->true_log_density[c] = logp[c] - log_norm;
  problem->true_region_mass.assign(ref.regions().size(), 0.0);
  const std::vector<int>& region = ref.region_grid();
  for (std::size_t c = 0; c < logp.size(); ++c)
    problem->true_region_mass[region[c]] += std::exp(problem->true_log_density[c]) * area;
  Vec lp;
  target->evaluate(problem->test, &lp, nullptr, nullptr);
  double s = 0;
  for (Eigen::Index i = 0; i < lp.size(); ++i) s += -(lp(i) - log_norm);
  problem->nll_true = s / double(lp.size());
  return problem;
}

}  // namespace ss
