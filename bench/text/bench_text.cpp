// Text engine benchmarks (bench/text). Run: build/<dir>/bench/text/bench_text
// (for the SDL_Renderer figure: xvfb-run -a env LIBGL_ALWAYS_SOFTWARE=1 build/<dir>/bench/text/bench_text)
#include <SDL.h>
#include <benchmark/benchmark.h>
#include <imgui.h>

#include <memory>

#include "balie/text/utf8.h"
#include "balie/text_imgui/sdl_texture_backend.h"
#include "balie/text_imgui/text_renderer.h"
#ifdef BALIE_BENCH_SDLRENDERER
#include <imgui_impl_sdlrenderer.h>
#endif

namespace balie::text {
namespace {

TextEngineConfig config() { return default_config(BALIE_ASSETS_DIR, BALIE_GENERATED_DIR); }

// About 2,000 code points of Arabic: catalog sentences repeated, with a date and a Latin word.
std::string arabic_paragraph(TextEngine& engine) {
  const Language& ar = *find_language("ar");
  std::string out;
  const char* keys[] = {"welcome.body", "inactivity.body", "language.body", "common.error_staff",
                        "staff_unlock.locked"};
  size_t i = 0;
  while (decode_utf8(out).size() < 2000) {
    out += engine.tr_in(ar, keys[i % 5], {{"seconds", "30", false}, {"minutes", "5", false}});
    out += " PIN " + format_date(ar, {2025, static_cast<int>(i % 12) + 1, 14}).value() + " ";
    ++i;
  }
  std::u32string cps = decode_utf8(out);
  cps.resize(2000);
  return encode_utf8(cps);
}

void BM_ColdLayoutArabic2000(benchmark::State& state) {
  TextEngine engine(config());
  const std::string text = arabic_paragraph(engine);
  const TextStyle style{.size_px = 32, .max_width = 1200};
  size_t lines = 0;
  for (auto _ : state) {
    ParagraphLayout p = engine.layout_engine().layout(text, style, *find_language("ar"));
    lines = p.line_count();
    benchmark::DoNotOptimize(p.glyphs.data());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["chars"] = 2000;
}
BENCHMARK(BM_ColdLayoutArabic2000)->Unit(benchmark::kMillisecond);

struct ImGuiScope {
  ImGuiScope() {
    ctx = ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // benchmarks write no files
    ImGui::GetIO().DisplaySize = ImVec2(1920, 1080);
    unsigned char* px;
    int w, h;
    ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  }
  ~ImGuiScope() { ImGui::DestroyContext(ctx); }
  ImGuiContext* ctx;
};

// Per frame, cached: paragraph cache lookup (hash of the text) + recording into an ImDrawList.
void BM_CachedFrameArabic2000(benchmark::State& state) {
  ImGuiScope imgui;
  TextEngine engine(config());
  (void)engine.set_language("ar");
  MemoryTextureBackend backend;
  GlyphAtlas atlas(engine.fonts(), backend);
  TextRenderer renderer(engine, atlas);
  const std::string text = arabic_paragraph(engine);
  const TextStyle style{.size_px = 32, .max_width = 1200};
  ImDrawList list(ImGui::GetDrawListSharedData());
  list._ResetForNewFrame();
  list.PushClipRectFullScreen();
  renderer.text(&list, ImVec2(20, 20), text, style, IM_COL32_WHITE);  // warm caches
  const size_t misses = engine.paragraph_cache().misses();
  for (auto _ : state) {
    list._ResetForNewFrame();
    list.PushClipRectFullScreen();
    renderer.text(&list, ImVec2(20, 20), text, style, IM_COL32_WHITE);
    benchmark::DoNotOptimize(list.VtxBuffer.Data);
  }
  state.counters["shaped_per_frame"] = static_cast<double>(engine.paragraph_cache().misses() - misses) /
                                       static_cast<double>(state.iterations());
  state.counters["vertices"] = list.VtxBuffer.Size;
}
BENCHMARK(BM_CachedFrameArabic2000)->Unit(benchmark::kMicrosecond);

// Glyph atlas memory after every catalog string and language name at four UI sizes.
void BM_AtlasAllLanguages(benchmark::State& state) {
  TextEngine engine(config());
  for (auto _ : state) {
    MemoryTextureBackend backend;
    GlyphAtlas atlas(engine.fonts(), backend, {.page_size = static_cast<int>(state.range(0)), .max_pages = 8});
    for (const Language& lang : languages())
      for (float size : {24.f, 32.f, 40.f, 56.f}) {
        std::vector<std::string> texts{std::string(lang.native_name)};
        for (const auto& e : engine.catalog(kBaseLanguage)->entries)
          texts.push_back(engine.tr_in(lang, e.key, {{"seconds", "0123456789", false}}));
        for (const auto& t : texts) {
          const ParagraphLayout p = engine.layout_engine().layout(t, {.size_px = size, .max_width = 900}, lang);
          for (const auto& g : p.glyphs) atlas.get(g.face, g.glyph_id, size);
        }
      }
    state.counters["pages"] = static_cast<double>(atlas.page_count());
    state.counters["glyphs"] = static_cast<double>(atlas.glyph_count());
    state.counters["texture_MiB"] = static_cast<double>(atlas.texture_bytes()) / (1024.0 * 1024.0);
    state.counters["restarts"] = atlas.generation();
  }
}
BENCHMARK(BM_AtlasAllLanguages)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(1);

#ifdef BALIE_BENCH_SDLRENDERER
// A frame through imgui_impl_sdlrenderer on a hidden window: record + RenderDrawData + present.
// The cost of the text is the difference between Arg 1 and Arg 0.
void BM_SdlRendererFrameArabic2000(benchmark::State& state) {
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    state.SkipWithError("no display (run under xvfb-run)");
    return;
  }
  SDL_Window* window = SDL_CreateWindow("bench", 0, 0, 1280, 800, SDL_WINDOW_HIDDEN);
  SDL_Renderer* sdl = window ? SDL_CreateRenderer(window, -1, SDL_RENDERER_ACCELERATED) : nullptr;
  if (!sdl) {
    state.SkipWithError("no SDL renderer");
    SDL_Quit();
    return;
  }
  SDL_RendererInfo info;
  SDL_GetRendererInfo(sdl, &info);
  state.SetLabel(std::string("renderer=") + info.name);
  {
    ImGuiScope imgui;
    ImGui_ImplSDLRenderer_Init(sdl);
    TextEngine engine(config());
    (void)engine.set_language("ar");
    SdlTextureBackend backend(sdl);
    GlyphAtlas atlas(engine.fonts(), backend);
    TextRenderer renderer(engine, atlas);
    const std::string text = arabic_paragraph(engine);
    const TextStyle style{.size_px = 32, .max_width = 1200};
    auto frame = [&](bool with_text) {
      ImGui_ImplSDLRenderer_NewFrame();
      ImGui::NewFrame();
      if (with_text)
        renderer.text(ImGui::GetBackgroundDrawList(), ImVec2(20, 20), text, style, IM_COL32_WHITE);
      ImGui::Render();
      SDL_SetRenderDrawColor(sdl, 0, 0, 0, 255);
      SDL_RenderClear(sdl);
      ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
      SDL_RenderPresent(sdl);
    };
    frame(true);  // warm: shape once, fill the atlas
    for (auto _ : state) frame(state.range(0) != 0);
    ImGui_ImplSDLRenderer_Shutdown();
  }
  SDL_DestroyRenderer(sdl);
  SDL_DestroyWindow(window);
  SDL_Quit();
}
// Arg 0: empty frame (clear + present baseline); Arg 1: with the paragraph.
BENCHMARK(BM_SdlRendererFrameArabic2000)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
}  // namespace balie::text

BENCHMARK_MAIN();
