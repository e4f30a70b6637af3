// Signature PNG rendering: coverage-based disc stamping of the ink dabs, libpng to memory.
#include "signing/signature_png.h"

#include <png.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace balie::signing {

namespace {
void write_cb(png_structp p, png_bytep data, png_size_t n) {
  auto* v = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(p));
  v->insert(v->end(), data, data + n);
}
void flush_cb(png_structp) {}

struct ReadCtx {
  const std::vector<std::uint8_t>* in;
  size_t pos;
};
void read_cb(png_structp p, png_bytep data, png_size_t n) {
  auto* c = static_cast<ReadCtx*>(png_get_io_ptr(p));
  if (c->pos + n > c->in->size()) png_error(p, "short read");
  std::memcpy(data, c->in->data() + c->pos, n);
  c->pos += n;
}
}  // namespace

bool render_signature_png(const Ink& ink, float scale, PngImage* out, std::string* error) {
  const PadRect pad = ink.pad();
  const int w = std::clamp(static_cast<int>(std::lround(pad.w * scale)), 1, 2000);
  const int h = std::clamp(static_cast<int>(std::lround(pad.h * scale)), 1, 1000);
  // Ink coverage, 0 = paper, 255 = ink.
  std::vector<std::uint8_t> cov(static_cast<size_t>(w) * h, 0);
  for (const InkDab& d : ink.dabs()) {
    const float cx = d.x * scale, cy = d.y * scale, r = std::max(0.6f, d.r * scale);
    const int x0 = std::max(0, static_cast<int>(cx - r - 1)), x1 = std::min(w - 1, static_cast<int>(cx + r + 1));
    const int y0 = std::max(0, static_cast<int>(cy - r - 1)), y1 = std::min(h - 1, static_cast<int>(cy + r + 1));
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const float dd = std::hypot(x + 0.5f - cx, y + 0.5f - cy);
        const float a = std::clamp(r + 0.5f - dd, 0.0f, 1.0f);
        auto& c = cov[static_cast<size_t>(y) * w + x];
        c = std::max<std::uint8_t>(c, static_cast<std::uint8_t>(a * 255));
      }
  }
  // Dark ink on white.
  for (auto& c : cov) c = static_cast<std::uint8_t>(255 - c);

  out->bytes.clear();
  out->width = w;
  out->height = h;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    if (png) png_destroy_write_struct(&png, nullptr);
    *error = "libpng: out of memory";
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    sodium_memzero(cov.data(), cov.size());
    *error = "libpng: encoding failed";
    return false;
  }
  png_set_write_fn(png, &out->bytes, write_cb, flush_cb);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) png_write_row(png, cov.data() + static_cast<size_t>(y) * w);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  sodium_memzero(cov.data(), cov.size());
  return true;
}

bool decode_png_grey(const std::vector<std::uint8_t>& bytes, int* w, int* h, std::vector<std::uint8_t>* grey) {
  if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0) return false;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    if (png) png_destroy_read_struct(&png, nullptr, nullptr);
    return false;
  }
  ReadCtx ctx{&bytes, 0};
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &ctx, read_cb);
  png_read_info(png, info);
  *w = static_cast<int>(png_get_image_width(png, info));
  *h = static_cast<int>(png_get_image_height(png, info));
  if (*w <= 0 || *h <= 0 || *w > 4000 || *h > 4000) png_error(png, "size");
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_palette_to_rgb(png);
  png_set_rgb_to_gray_fixed(png, 1, -1, -1);
  png_read_update_info(png, info);
  grey->assign(static_cast<size_t>(*w) * *h, 0);
  for (int y = 0; y < *h; ++y) png_read_row(png, grey->data() + static_cast<size_t>(y) * *w, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

}  // namespace balie::signing
