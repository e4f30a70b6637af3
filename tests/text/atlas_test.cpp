// Glyph atlas and ImGui drawing, headless: pages are capped at 2048x2048, new pages appear on
// demand up to the limit, a full atlas starts over, clear() zeroes the pixels, and a paragraph is
// recorded into an ImDrawList as one textured quad per visible glyph.
#include <gtest/gtest.h>
#include <imgui.h>

#include "balie/text_imgui/glyph_atlas.h"
#include "balie/text_imgui/text_renderer.h"
#include "test_support.h"

namespace balie::text {
namespace {

size_t nonzero_pixels(const MemoryTextureBackend::Page& p) {
  size_t n = 0;
  for (uint32_t px : p.pixels) n += (px >> 24) != 0;
  return n;
}

TEST(GlyphAtlas, PageSizeIsCappedAt2048) {
  TextEngine engine(testing::repo_config());
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend, {.page_size = 8192, .max_pages = 2});
  EXPECT_EQ(atlas.page_size(), 2048);
  const auto p = engine.layout("Welkom", TextStyle{});
  for (const auto& g : p->glyphs) atlas.get(g.face, g.glyph_id, p->size_px);
  ASSERT_EQ(atlas.page_count(), 1u);
  const auto* page = backend.page(atlas.page_handle(0));
  EXPECT_EQ(page->width, 2048);
  EXPECT_EQ(page->height, 2048);
  EXPECT_GT(nonzero_pixels(*page), 100u);
}

TEST(GlyphAtlas, GrowsByNewPagesThenStartsOverAtTheLimit) {
  TextEngine engine(testing::repo_config());
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend, {.page_size = 128, .max_pages = 3});
  const auto p = engine.layout("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ", TextStyle{.size_px = 40});
  for (const auto& g : p->glyphs) {
    const AtlasGlyph& ag = atlas.get(g.face, g.glyph_id, p->size_px);
    if (ag.texture) {
      EXPECT_LE(ag.u1, 1.0f);
      EXPECT_LE(ag.v1, 1.0f);
    }
  }
  EXPECT_GT(atlas.page_count(), 1u) << "one 128px page cannot hold 52 glyphs at 40px";
  EXPECT_LE(atlas.page_count(), 3u);
  const uint32_t gen = atlas.generation();
  // More sizes than fit in 3 pages: the atlas must start over, never exceed the limit.
  for (float size : {48.f, 56.f, 64.f, 72.f})
    for (const auto& g : engine.layout("ABCDEFGHIJKLMNOPQRSTUVWXYZ", TextStyle{.size_px = size})->glyphs)
      atlas.get(g.face, g.glyph_id, size);
  EXPECT_EQ(atlas.page_count(), 3u);
  EXPECT_GT(atlas.generation(), gen);
  EXPECT_EQ(backend.live_pages(), 3u);
}

TEST(GlyphAtlas, ClearZeroesEveryPage) {
  TextEngine engine(testing::repo_config());
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend, {.page_size = 256, .max_pages = 4});
  const auto p = engine.layout("Mohammed Al-Hassan محمد الحسن", TextStyle{});
  for (const auto& g : p->glyphs) atlas.get(g.face, g.glyph_id, p->size_px);
  ASSERT_GT(nonzero_pixels(*backend.page(atlas.page_handle(0))), 0u);
  atlas.clear();
  for (size_t i = 0; i < atlas.page_count(); ++i)
    EXPECT_EQ(nonzero_pixels(*backend.page(atlas.page_handle(i))), 0u);
  EXPECT_EQ(atlas.glyph_count(), 0u);
}

class DrawList : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // tests write no files
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1280, 800);
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    ImGui::NewFrame();
  }
  void TearDown() override {
    ImGui::EndFrame();
    ImGui::DestroyContext(ctx_);
  }
  ImGuiContext* ctx_ = nullptr;
};

TEST_F(DrawList, ParagraphBecomesOneQuadPerVisibleGlyphOnAtlasTextures) {
  TextEngine engine(testing::repo_config());
  ASSERT_TRUE(engine.set_language("ar"));
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend);
  TextRenderer renderer(engine, atlas);
  ImDrawList list(ImGui::GetDrawListSharedData());
  list._ResetForNewFrame();
  list.PushClipRectFullScreen();
  const std::string text = engine.tr("welcome.body");
  const TextStyle style{.size_px = 40, .max_width = 600};
  const ImVec2 size = renderer.text(&list, ImVec2(100, 50), text, style, IM_COL32(255, 255, 255, 255));
  EXPECT_FLOAT_EQ(size.x, 600.0f);
  EXPECT_GT(size.y, 40.0f);
  const auto p = renderer.layout(text, style);
  size_t visible = 0;
  for (const auto& g : p->glyphs) visible += atlas.get(g.face, g.glyph_id, p->size_px).texture != nullptr;
  EXPECT_EQ(static_cast<size_t>(list.VtxBuffer.Size), visible * 4);
  EXPECT_EQ(static_cast<size_t>(list.IdxBuffer.Size), visible * 6);
  bool atlas_texture_used = false;
  for (const ImDrawCmd& cmd : list.CmdBuffer)
    if (cmd.ElemCount > 0) atlas_texture_used |= cmd.TextureId == atlas.page_handle(0);
  EXPECT_TRUE(atlas_texture_used);
  // Every vertex lies inside the paragraph box (with a small margin for glyph overhang).
  for (const ImDrawVert& v : list.VtxBuffer) {
    EXPECT_GE(v.pos.x, 100 - 8);
    EXPECT_LE(v.pos.x, 100 + 600 + 8);
    EXPECT_GE(v.pos.y, 50 - 8);
    EXPECT_LE(v.pos.y, 50 + size.y + 8);
  }
  // Drawing again shapes nothing: the paragraph comes from the cache.
  const size_t misses = engine.paragraph_cache().misses();
  renderer.text(&list, ImVec2(100, 50), text, style, IM_COL32_WHITE);
  EXPECT_EQ(engine.paragraph_cache().misses(), misses);
  renderer.clear_session_caches();
  EXPECT_EQ(atlas.glyph_count(), 0u);
  EXPECT_EQ(engine.paragraph_cache().size(), 0u);
}

}  // namespace
}  // namespace balie::text
