#include "core/engine/snapshot.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ss {

Curve::Curve(std::vector<std::shared_ptr<const Chunk>> chunks) : chunks_(std::move(chunks)) {
  for (std::size_t k = 0; k < chunks_.size(); ++k) {
    if (!chunks_[k] || chunks_[k]->empty())
      throw std::invalid_argument("Curve: chunks: chunk " + std::to_string(k) + " is empty");
    if (k + 1 < chunks_.size() && chunks_[k]->size() != kChunk)
      throw std::invalid_argument("Curve: chunks: chunk " + std::to_string(k) +
                                  " is not full but is not the last");
    if (chunks_[k]->size() > kChunk)
      throw std::invalid_argument("Curve: chunks: chunk " + std::to_string(k) +
                                  " holds more than kChunk points");
    size_ += chunks_[k]->size();
  }
}

Curve Curve::from_points(const CurvePoints& points) {
  std::vector<std::shared_ptr<const Chunk>> chunks;
  for (std::size_t begin = 0; begin < points.size(); begin += kChunk) {
    const std::size_t end = std::min(points.size(), begin + kChunk);
    chunks.push_back(std::make_shared<const Chunk>(points.begin() + std::ptrdiff_t(begin),
                                                   points.begin() + std::ptrdiff_t(end)));
  }
  return Curve(std::move(chunks));
}

const char* run_state_name(RunState state) {
  switch (state) {
    case RunState::running:
      return "running";
    case RunState::paused:
      return "paused";
    case RunState::finished:
      return "finished";
    case RunState::disabled:
      return "disabled";
    case RunState::diverged:
      return "diverged";
  }
  return "paused";
}

const RunSnapshot* Snapshot::find_run(RunId id) const {
  for (const auto& r : runs)
    if (r.id == id) return &r;
  return nullptr;
}

const RunSnapshot* Snapshot::find_run(const std::string& label) const {
  for (const auto& r : runs)
    if (r.label == label) return &r;
  return nullptr;
}

}  // namespace ss
