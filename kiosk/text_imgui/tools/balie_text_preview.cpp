// balie_text_preview: developer tool that renders the language-choice texts and a text-heavy
// screen (welcome + inactivity texts, a date, an isolated name) in every language into one PNG,
// headless (in-memory atlas, software compositing). For looking at shaping and bidi by eye.
//   balie_text_preview <assets_dir> <generated_dir> <out.png>
#include <png.h>

#include <cstdio>
#include <iostream>

#include "balie/text/text_engine.h"
#include "balie/text/utf8.h"
#include "balie/text_imgui/glyph_atlas.h"

using namespace balie::text;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: balie_text_preview <assets_dir> <generated_dir> <out.png>\n";
    return 2;
  }
  TextEngine engine(default_config(argv[1], argv[2]));
  for (const auto& e : engine.startup_errors()) std::cerr << "startup: " << e << "\n";
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend, {.page_size = 2048, .max_pages = 8});
  const int W = 1800, column = 880;
  std::vector<uint8_t> img;  // grayscale, white background
  int H = 0;
  auto ensure = [&](int h) {
    if (h > H) {
      img.resize(static_cast<size_t>(W) * h, 255);
      H = h;
    }
  };
  auto draw = [&](const ParagraphLayout& p, int ox, int oy) {
    ensure(oy + static_cast<int>(p.height) + 4);
    for (const auto& g : p.glyphs) {
      const AtlasGlyph& ag = atlas.get(g.face, g.glyph_id, p.size_px);
      if (!ag.texture) continue;
      const auto* page = backend.page(ag.texture);
      const int sx = static_cast<int>(ag.u0 * page->width + 0.5f), sy = static_cast<int>(ag.v0 * page->height + 0.5f);
      const int x0 = ox + static_cast<int>(g.x + 0.5f) + ag.left, y0 = oy + static_cast<int>(g.y + 0.5f) - ag.top;
      for (int r = 0; r < ag.height; ++r)
        for (int c = 0; c < ag.width; ++c) {
          const int x = x0 + c, y = y0 + r;
          if (x < 0 || x >= W || y < 0 || y >= H) continue;
          const uint32_t a = page->pixels[static_cast<size_t>(sy + r) * page->width + sx + c] >> 24;
          uint8_t& d = img[static_cast<size_t>(y) * W + x];
          d = static_cast<uint8_t>(d * (255 - a) / 255);
        }
    }
    // Box outline (light) to check alignment.
    for (int x = ox; x < ox + static_cast<int>(p.width) && x < W; ++x) img[static_cast<size_t>(oy) * W + x] = 200;
  };
  int y = 10;
  // Language choice: every native name, large.
  for (size_t i = 0; i < languages().size(); ++i) {
    const Language& l = languages()[i];
    auto p = engine.layout(l.native_name, {.size_px = 44, .max_width = 400, .align = Align::kCenter}, l);
    draw(*p, 10 + static_cast<int>(i % 4) * 440, y + static_cast<int>(i / 4) * 80);
  }
  y += 260;
  int col_y[2] = {y, y};
  size_t n = 0;
  for (const Language& l : languages()) {
    const int c = static_cast<int>(n++ % 2);
    std::string text = engine.tr_in(l, "welcome.title") + "\n" + engine.tr_in(l, "welcome.body") + "\n" +
                       engine.tr_in(l, "inactivity.body", {{"seconds", "30"}}) + "\n" +
                       format_date(l, {2025, 3, 17}, Digits::kNative).value() + " — " +
                       isolate_untrusted("Mohammed محمد \u202Eevil") + " — " +
                       engine.tr_in(l, "staff_unlock.wrong", {{"attempts", "2"}});
    auto p = engine.layout(text, {.size_px = 26, .max_width = static_cast<float>(column)}, l);
    draw(*p, 10 + c * (column + 20), col_y[c]);
    col_y[c] += static_cast<int>(p->height) + 30;
  }
  FILE* f = std::fopen(argv[3], "wb");
  if (!f) return 1;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_set_IHDR(png, info, W, H, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int r = 0; r < H; ++r) png_write_row(png, &img[static_cast<size_t>(r) * W]);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
  std::cout << "wrote " << argv[3] << " (" << W << "x" << H << "), atlas " << atlas.page_count() << " page(s), "
            << atlas.glyph_count() << " glyphs\n";
  return 0;
}
