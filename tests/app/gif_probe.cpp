// gif_probe: checks that a file is a readable animated GIF, for the Xvfb recording test.
//
//   gif_probe FILE [--min-frames N] [--min-changing N] [--width W --height H]
//             [--png-frame K OUT.png]
//
// --png-frame writes the picture shown at frame K (frames 0..K composited, as a viewer shows
// it) as a PNG, to look at a recording with an image viewer.
//
// Decodes the whole file with giflib (DGifSlurp: every image and extension) and prints
// "frames=N changing=C width=W height=H duration_cs=D" (C: frames that change the picture). Exit
// status 0 when it decodes and meets the limits, 1 otherwise (with the reason on stderr).
#include <gif_lib.h>
#include <stb_image_write.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gif_probe FILE [--min-frames N] [--width W --height H]\n");
    return 2;
  }
  int min_frames = 1, want_w = -1, want_h = -1, png_frame = -1, min_changing = 0;
  std::string png_out;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--png-frame" && i + 2 < argc) {
      png_frame = v, png_out = argv[i + 2];
      ++i;
      continue;
    }
    if (k == "--min-frames")
      min_frames = v;
    else if (k == "--width")
      want_w = v;
    else if (k == "--height")
      want_h = v;
  }
  int err = 0;
  GifFileType* g = DGifOpenFileName(argv[1], &err);
  if (!g) {
    std::fprintf(stderr, "gif_probe: cannot open %s: %s\n", argv[1], GifErrorString(err));
    return 1;
  }
  if (DGifSlurp(g) != GIF_OK) {
    std::fprintf(stderr, "gif_probe: %s does not decode: %s\n", argv[1], GifErrorString(g->Error));
    DGifCloseFile(g, &err);
    return 1;
  }
  long duration = 0;
  int changing = 0;  // frames whose sub-image is more than the 1x1 "nothing changed" image
  for (int i = 0; i < g->ImageCount; ++i) {
    GraphicsControlBlock gcb;
    if (DGifSavedExtensionToGCB(g, i, &gcb) == GIF_OK) duration += gcb.DelayTime;
    const GifImageDesc& d = g->SavedImages[i].ImageDesc;
    if (d.Width * d.Height > 1) ++changing;
    if (d.Left < 0 || d.Top < 0 || d.Left + d.Width > g->SWidth || d.Top + d.Height > g->SHeight) {
      std::fprintf(stderr, "gif_probe: frame %d lies outside the screen\n", i);
      DGifCloseFile(g, &err);
      return 1;
    }
  }
  std::printf("frames=%d changing=%d width=%d height=%d duration_cs=%ld\n", g->ImageCount, changing,
              int(g->SWidth), int(g->SHeight), duration);
  int rc = 0;
  if (png_frame >= 0 && png_frame < g->ImageCount) {
    std::vector<unsigned char> rgb(size_t(g->SWidth) * size_t(g->SHeight) * 3, 0);
    for (int f = 0; f <= png_frame; ++f) {
      const SavedImage& im = g->SavedImages[f];
      const ColorMapObject* cm = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : g->SColorMap;
      if (!cm) break;
      for (int y = 0; y < im.ImageDesc.Height; ++y)
        for (int x = 0; x < im.ImageDesc.Width; ++x) {
          const int c = im.RasterBits[size_t(y) * size_t(im.ImageDesc.Width) + size_t(x)];
          if (c >= cm->ColorCount) continue;
          unsigned char* p = &rgb[(size_t(y + im.ImageDesc.Top) * size_t(g->SWidth) +
                                   size_t(x + im.ImageDesc.Left)) *
                                  3];
          p[0] = cm->Colors[c].Red, p[1] = cm->Colors[c].Green, p[2] = cm->Colors[c].Blue;
        }
    }
    if (!stbi_write_png(png_out.c_str(), g->SWidth, g->SHeight, 3, rgb.data(), g->SWidth * 3)) {
      std::fprintf(stderr, "gif_probe: cannot write %s\n", png_out.c_str());
      rc = 1;
    }
  }
  if (changing < min_changing) {
    std::fprintf(stderr, "gif_probe: %d frames change the picture, expected at least %d\n",
                 changing, min_changing);
    rc = 1;
  }
  if (g->ImageCount < min_frames) {
    std::fprintf(stderr, "gif_probe: %d frames, expected at least %d\n", g->ImageCount, min_frames);
    rc = 1;
  }
  if ((want_w > 0 && g->SWidth != want_w) || (want_h > 0 && g->SHeight != want_h)) {
    std::fprintf(stderr, "gif_probe: size %dx%d, expected %dx%d\n", int(g->SWidth), int(g->SHeight),
                 want_w, want_h);
    rc = 1;
  }
  DGifCloseFile(g, &err);
  return rc;
}
