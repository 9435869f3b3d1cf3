#include "app/gfx/recorder.h"

#include <GL/gl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/engine/clock.h"

namespace ss::gfx {

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool program_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (dir.empty()) continue;
    const std::string p = dir + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::vector<unsigned char> read_back_rgba(int fb_width, int fb_height, int x0, int y0, int w,
                                          int h) {
  x0 = std::clamp(x0, 0, fb_width), y0 = std::clamp(y0, 0, fb_height);
  w = std::clamp(w, 0, fb_width - x0), h = std::clamp(h, 0, fb_height - y0);
  std::vector<unsigned char> out(size_t(std::max(w, 0)) * size_t(std::max(h, 0)) * 4);
  if (out.empty()) return out;
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  // GL rows start at the bottom: the top display row y0 is framebuffer row fb_height - y0 - h.
  glReadPixels(x0, fb_height - y0 - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, out.data());
  return out;
}

std::string Recorder::start(const std::string& path, int width, int height, bool every_frame) {
  if (active_) return "already recording to " + path_;
  const std::string ext = lower_extension(path);
  if (ext != ".gif" && ext != ".mp4")
    return "cannot record to " + path + ": the file name must end in .gif or .mp4";
  gif_ = ext == ".gif";
  every_frame_ = every_frame;
  if (!gif_) width &= ~1, height &= ~1;
  if (width < 2 || height < 2) return "cannot record: the area to record is empty";
  path_ = path;
  width_ = width, height_ = height;
  error_.clear();
  written_ = dropped_ = 0;
  encoder_cpu_ = 0;
  last_time_ = -1e9;
  first_time_ = -1;
  time_written_ = 0;
  pending_time_ = -1;
  closing_ = false;
  queue_.clear();
  if (gif_) {
    int err = 0;
    GifFileType* f = EGifOpenFileName(path.c_str(), false, &err);
    if (!f) return "cannot create " + path + ": " + GifErrorString(err);
    gif_file_ = f;
  } else {
    if (!program_on_path("ffmpeg"))
      return "MP4 recording needs the ffmpeg program, which is not installed (Debian: apt "
             "install ffmpeg); record a GIF instead";
    std::ostringstream cmd;
    cmd << "ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgba -s " << width_ << "x" << height_
        << " -framerate " << int(kMaxFps) << " -i - -vf vflip -c:v libx264 -pix_fmt yuv420p "
        << shell_quote(path) << " 2>&1";
    pipe_ = ::popen(cmd.str().c_str(), "w");
    if (!pipe_) return "cannot start ffmpeg for " + path;
  }
  active_ = true;
  worker_ = std::thread([this] { run(); });
  return "";
}

bool Recorder::wants_frame(double now) const {
  return active_ && now - last_time_ >= 1.0 / kMaxFps - 1e-4;
}

bool Recorder::add_frame(std::vector<unsigned char> rgba, double now, bool wait) {
  if (!active_ || rgba.size() != size_t(width_) * size_t(height_) * 4) return false;
  last_time_ = now;
  const size_t max_frames = std::max<size_t>(1, kMaxQueuedBytes / rgba.size());
  {
    std::unique_lock lock(mutex_);
    if (wait) room_cv_.wait(lock, [&] { return queue_.size() < max_frames; });
    if (queue_.size() >= max_frames) {
      ++dropped_;
      return false;
    }
    queue_.push_back(Frame{std::move(rgba), now});
  }
  cv_.notify_one();
  return true;
}

int Recorder::frames_written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

double Recorder::encoder_cpu_seconds() const {
  std::lock_guard lock(mutex_);
  return encoder_cpu_;
}

void Recorder::run() {
  const ScopedWallCpuTimer encoder_clock(nullptr, nullptr);  // this thread's CPU time
  for (;;) {
    Frame f;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) break;  // closing and drained
      f = std::move(queue_.front());
      queue_.pop_front();
    }
    room_cv_.notify_one();
    encode(f, 0);
    std::lock_guard lock(mutex_);
    encoder_cpu_ = encoder_clock.cpu_elapsed();
  }
  close_output();
  std::lock_guard lock(mutex_);
  encoder_cpu_ = encoder_clock.cpu_elapsed();
}

unsigned char Recorder::nearest(unsigned char r, unsigned char g, unsigned char b) {
  const int key = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3);
  if (lut_done_[size_t(key)]) return lut_[size_t(key)];
  // Nearest palette colour to the centre of the 5-bit cell.
  const int cr = (r & 0xF8) | 4, cg = (g & 0xF8) | 4, cb = (b & 0xF8) | 4;
  int best = 0, best_d = 1 << 30;
  for (int i = 0; i < 256; ++i) {
    const int dr = cr - palette_[size_t(3 * i)], dg = cg - palette_[size_t(3 * i + 1)],
              db = cb - palette_[size_t(3 * i + 2)];
    const int d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
    if (d < best_d) best_d = d, best = i;
  }
  lut_[size_t(key)] = static_cast<unsigned char>(best);
  lut_done_[size_t(key)] = 1;
  return static_cast<unsigned char>(best);
}

void Recorder::encode(Frame& f, double) {
  const int w = width_, h = height_;
  if (first_time_ < 0) first_time_ = f.time;
  if (!gif_) {
    if (!pipe_) return;
    // Real time at kMaxFps: repeat the frame until the video has caught up with its time.
    const double t = f.time - first_time_;
    int repeats = 0;
    while (time_written_ <= t + 0.5 / kMaxFps || repeats == 0) {
      if (std::fwrite(f.rgba.data(), 1, f.rgba.size(), pipe_) != f.rgba.size()) {
        std::lock_guard lock(mutex_);
        if (error_.empty()) error_ = "ffmpeg stopped reading frames for " + path_;
        ::pclose(pipe_);
        pipe_ = nullptr;
        return;
      }
      time_written_ += 1.0 / kMaxFps;
      ++repeats;
    }
    std::lock_guard lock(mutex_);
    ++written_;
    return;
  }
  if (!gif_file_) return;
  GifFileType* gf = static_cast<GifFileType*>(gif_file_);
  const size_t n = size_t(w) * size_t(h);
  if (palette_.empty()) {
    // The palette: median cut over the first frame.
    std::vector<GifByteType> r(n), g(n), b(n), out(n);
    for (size_t i = 0; i < n; ++i)
      r[i] = f.rgba[4 * i], g[i] = f.rgba[4 * i + 1], b[i] = f.rgba[4 * i + 2];
    int size = 256;
    std::vector<GifColorType> map(256);
    if (GifQuantizeBuffer(unsigned(w), unsigned(h), &size, r.data(), g.data(), b.data(), out.data(),
                          map.data()) == GIF_ERROR)
      size = 0;
    palette_.assign(256 * 3, 0);
    for (int i = 0; i < std::min(size, 256); ++i)
      palette_[size_t(3 * i)] = map[size_t(i)].Red,
                          palette_[size_t(3 * i + 1)] = map[size_t(i)].Green,
                          palette_[size_t(3 * i + 2)] = map[size_t(i)].Blue;
    lut_.assign(32768, 0);
    lut_done_.assign(32768, 0);
    ColorMapObject* cmap = GifMakeMapObject(256, nullptr);
    for (int i = 0; i < 256; ++i)
      cmap->Colors[i] = GifColorType{palette_[size_t(3 * i)], palette_[size_t(3 * i + 1)],
                                     palette_[size_t(3 * i + 2)]};
    EGifSetGifVersion(gf, true);
    const bool ok = EGifPutScreenDesc(gf, w, h, 8, 0, cmap) != GIF_ERROR;
    GifFreeMapObject(cmap);
    // NETSCAPE2.0 application extension: loop forever.
    const unsigned char app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    const unsigned char loop[] = {1, 0, 0};
    const bool ok2 = ok && EGifPutExtensionLeader(gf, APPLICATION_EXT_FUNC_CODE) != GIF_ERROR &&
                     EGifPutExtensionBlock(gf, 11, app) != GIF_ERROR &&
                     EGifPutExtensionBlock(gf, 3, loop) != GIF_ERROR &&
                     EGifPutExtensionTrailer(gf) != GIF_ERROR;
    if (!ok2) {
      std::lock_guard lock(mutex_);
      error_ = "cannot write " + path_ + ": " + GifErrorString(gf->Error);
    }
  }
  // Palette indices, top row first (the read-back is bottom row first).
  indices_.resize(n);
  for (int y = 0; y < h; ++y) {
    const unsigned char* src = f.rgba.data() + size_t(h - 1 - y) * size_t(w) * 4;
    unsigned char* dst = indices_.data() + size_t(y) * size_t(w);
    for (int x = 0; x < w; ++x) dst[x] = nearest(src[4 * x], src[4 * x + 1], src[4 * x + 2]);
  }
  // What changed since the previous frame.
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  if (previous_.size() != n) {
    x0 = 0, y0 = 0, x1 = w - 1, y1 = h - 1;
  } else {
    for (int y = 0; y < h; ++y) {
      const unsigned char* a = indices_.data() + size_t(y) * size_t(w);
      const unsigned char* b = previous_.data() + size_t(y) * size_t(w);
      if (std::equal(a, a + w, b)) continue;
      y0 = std::min(y0, y), y1 = y;
      int l = 0, r = w - 1;
      while (a[l] == b[l]) ++l;
      while (a[r] == b[r]) --r;
      x0 = std::min(x0, l), x1 = std::max(x1, r);
    }
  }
  if (x1 < 0) {
    if (!every_frame_) return;  // identical: the pending frame stays up longer
    x0 = y0 = x1 = y1 = 0;      // else a 1x1 sub-image that changes nothing
  }
  write_pending(f.time);
  pending_x0_ = x0, pending_y0_ = y0, pending_x1_ = x1 + 1, pending_y1_ = y1 + 1;
  const int pw = pending_x1_ - pending_x0_;
  pending_.resize(size_t(pw) * size_t(pending_y1_ - pending_y0_));
  for (int y = pending_y0_; y < pending_y1_; ++y)
    std::copy_n(indices_.data() + size_t(y) * size_t(w) + size_t(pending_x0_), size_t(pw),
                pending_.data() + size_t(y - pending_y0_) * size_t(pw));
  pending_time_ = f.time;
  previous_.swap(indices_);
}

void Recorder::write_pending(double until) {
  if (pending_time_ < 0 || !gif_file_) return;
  GifFileType* gf = static_cast<GifFileType*>(gif_file_);
  // Delays in centiseconds, from accumulated times so that rounding does not drift; at least 2
  // (viewers show shorter delays as 10).
  const double end = until - first_time_;
  const int cs = std::max(2, int(std::lround((end - time_written_) * 100.0)));
  time_written_ += cs / 100.0;
  GraphicsControlBlock gcb{};
  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.UserInputFlag = false;
  gcb.DelayTime = cs;
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  EGifGCBToExtension(&gcb, ext);
  const int pw = pending_x1_ - pending_x0_, ph = pending_y1_ - pending_y0_;
  bool ok = EGifPutExtension(gf, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_ERROR &&
            EGifPutImageDesc(gf, pending_x0_, pending_y0_, pw, ph, false, nullptr) != GIF_ERROR;
  for (int y = 0; ok && y < ph; ++y)
    ok = EGifPutLine(gf, pending_.data() + size_t(y) * size_t(pw), pw) != GIF_ERROR;
  std::lock_guard lock(mutex_);
  if (!ok && error_.empty()) error_ = "cannot write " + path_ + ": " + GifErrorString(gf->Error);
  if (ok) ++written_;
  pending_time_ = -1;
}

void Recorder::close_output() {
  if (gif_file_) {
    write_pending(last_time_ + 1.0 / kMaxFps);
    int err = 0;
    if (EGifCloseFile(static_cast<GifFileType*>(gif_file_), &err) == GIF_ERROR) {
      std::lock_guard lock(mutex_);
      if (error_.empty()) error_ = "cannot finish " + path_ + ": " + GifErrorString(err);
    }
    gif_file_ = nullptr;
  }
  if (pipe_) {
    const int rc = ::pclose(pipe_);
    pipe_ = nullptr;
    if (rc != 0) {
      std::lock_guard lock(mutex_);
      if (error_.empty()) error_ = "ffmpeg failed to write " + path_;
    }
  }
}

std::string Recorder::finish() {
  if (!active_) return error_;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  cv_.notify_one();
  if (worker_.joinable()) worker_.join();
  active_ = false;
  palette_.clear();
  previous_.clear();
  std::lock_guard lock(mutex_);
  return error_;
}

Recorder::~Recorder() {
  finish();
}

}  // namespace ss::gfx
