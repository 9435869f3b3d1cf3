// Recorder: the window, or one rectangle of it, to an animated GIF (Debian's giflib) or to an
// MP4 video (frames piped to an `ffmpeg` program when one is installed), for slides.
//
// The UI thread only reads the frame back (glReadPixels of the rectangle, a few milliseconds on
// a software rasterizer) and hands the pixels over; a worker thread does everything else
// (flipping, colour quantization, LZW coding or writing to ffmpeg's pipe), so recording never
// stalls the UI. The hand-over queue holds at most kMaxQueuedBytes of frames: when the encoder
// falls behind, a frame is dropped (and counted) rather than blocking or growing memory.
//
// GIF: one global palette of 256 colours, made from the first frame by giflib's median-cut
// quantizer (GifQuantizeBuffer) and applied to every frame through a 32×32×32 nearest-colour
// table (so colours that appear later map to their nearest palette entry). Frames are captured at
// most kMaxFps times a second; each frame's delay is the wall time until the next one, in the
// centiseconds GIF stores (accumulated, so rounding does not drift). A frame identical to the
// previous one only lengthens that one's delay; otherwise only the rectangle that changed is
// coded (a GIF sub-image over the previous frame), which is most of what makes the window cheap
// to record: the controls and plots change a few times a second, the canvases every frame.
// The file loops forever.
// MP4: ffmpeg reads raw RGBA frames at kMaxFps frames per second (libx264, yuv420p); a frame
// shown longer than 1/kMaxFps s is repeated, so the video plays in real time. Width and height
// are rounded down to even numbers (yuv420p needs them).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ss::gfx {

class Recorder {
 public:
  static constexpr double kMaxFps = 25;
  /// The hand-over queue holds at most this many bytes of frames (and at least one frame).
  static constexpr size_t kMaxQueuedBytes = size_t(160) << 20;

  /// Starts recording to `path` (".gif" or ".mp4", case-insensitive) frames of width × height
  /// pixels. Returns "" or a sentence saying why not (unknown extension, no ffmpeg for MP4, file
  /// cannot be created); the recorder is then not active.
  /// With `every_frame` (scripted runs on the frame clock) a frame identical to the previous one
  /// is still stored, as a 1×1 unchanged sub-image, so the file has one GIF frame per frame drawn.
  std::string start(const std::string& path, int width, int height, bool every_frame = false);
  /// True between a successful start() and finish().
  bool active() const { return active_; }
  /// True when a frame taken at `now` (seconds) would be kept (the frame-rate cap).
  bool wants_frame(double now) const;
  /// Hands over one frame: RGBA8 pixels as glReadPixels returns them (bottom row first), of the
  /// size given to start(), taken at `now` seconds. Returns false when it was dropped (queue
  /// full); with `wait` it waits for room instead (scripted runs, where the file must not depend
  /// on the machine's speed).
  bool add_frame(std::vector<unsigned char> rgba_bottom_up, double now, bool wait = false);
  /// Stops: encodes what is queued, closes the file (or waits for ffmpeg) and joins the worker.
  /// Returns "" or the first error the encoder met.
  std::string finish();
  ~Recorder();

  const std::string& path() const { return path_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int frames_written() const;
  int frames_dropped() const { return dropped_; }
  /// CPU seconds the encoder thread used so far (what recording costs besides the read-back).
  double encoder_cpu_seconds() const;

 private:
  struct Frame {
    std::vector<unsigned char> rgba;
    double time = 0;
  };
  void run();
  void encode(Frame& frame, double next_time);
  void close_output();

  std::string path_;
  bool gif_ = true, active_ = false, every_frame_ = false;
  int width_ = 0, height_ = 0;
  double last_time_ = -1e9;
  int dropped_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable cv_, room_cv_;
  std::deque<Frame> queue_;
  bool closing_ = false;
  std::string error_;
  int written_ = 0;
  double encoder_cpu_ = 0;
  std::thread worker_;

  // Encoder state (worker thread only).
  void* gif_file_ = nullptr;  // GifFileType*
  std::FILE* pipe_ = nullptr;
  std::vector<unsigned char> palette_;  // 256 × RGB
  std::vector<unsigned char> lut_;      // 32768 entries: 5-bit RGB → palette index
  std::vector<unsigned char> lut_done_;
  double time_written_ = 0;  // seconds of animation written so far (GIF delays / MP4 frames)
  double first_time_ = -1;
  std::vector<unsigned char> indices_, previous_, pending_;
  int pending_x0_ = 0, pending_y0_ = 0, pending_x1_ = 0, pending_y1_ = 0;
  double pending_time_ = -1;
  void write_pending(double until);
  unsigned char nearest(unsigned char r, unsigned char g, unsigned char b);
};

/// Reads the rectangle [x0, x1) × [y0, y1) (framebuffer pixels, top-left origin, clamped) of the
/// current back buffer as RGBA8, bottom row first (glReadPixels order).
std::vector<unsigned char> read_back_rgba(int fb_width, int fb_height, int x0, int y0, int w,
                                          int h);

/// True when an executable `name` is on the PATH.
bool program_on_path(const std::string& name);

}  // namespace ss::gfx
