#include "core/targets/target.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace ss {

const ParamTable& Target::param_table() const {
  static const ParamTable empty;
  return empty;
}

void Target::evaluate(const Points& x, Vec* log_density, Points* score, Hessians* hessian) const {
  const Eigen::Index n = x.rows();
  if (log_density && log_density->size() != n) log_density->resize(n);
  if (score && score->rows() != n) score->resize(n, 2);
  if (hessian && hessian->rows() != n) hessian->resize(n, 3);
  const bool need_jet = score || hessian;
  if (!log_density && !need_jet) return;
  if (evaluate_batch(x, log_density, score, hessian)) return;
  auto body = [&](const tbb::blocked_range<Eigen::Index>& r) {
    for (Eigen::Index i = r.begin(); i != r.end(); ++i) {
      if (!need_jet) {
        (*log_density)(i) = log_density_at(x(i, 0), x(i, 1));
        continue;
      }
      const Jet j = jet_at(x(i, 0), x(i, 1));
      if (log_density) (*log_density)(i) = j.v;
      if (score) (*score)(i, 0) = j.gx, (*score)(i, 1) = j.gy;
      if (hessian) (*hessian)(i, 0) = j.hxx, (*hessian)(i, 1) = j.hxy, (*hessian)(i, 2) = j.hyy;
    }
  };
  if (!log_density && !need_jet) return;
  if (n < 512)
    body(tbb::blocked_range<Eigen::Index>(0, n));
  else
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, 256), body);
}

}  // namespace ss
