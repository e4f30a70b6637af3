// Test helper: a headless Dear ImGui context that draws kiosk scenes without a window, with a
// fake catalog, so scene tests can check intents, items and target sizes (tests/kiosk).
#pragma once
#include <imgui.h>

#include <map>
#include <memory>
#include <string>

#include "core/input_mapper.h"
#include "core/item_registry.h"
#include "core/scene.h"
#include "ui/imgui_font_renderer.h"
#include "ui/ui.h"

namespace balie::kiosk::testing {

class FakeTexts final : public Texts {
 public:
  std::string tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>& args) const override {
    std::string s = "[" + std::string(key) + "]";
    for (const auto& [k, v] : args) s += " " + std::string(k) + "=" + v;
    return s;
  }
  std::string tr_in(std::string_view language, std::string_view key) const override {
    return "[" + std::string(language) + ":" + std::string(key) + "]";
  }
  bool rtl() const override { return lang_ == "ar" || lang_ == "fa" || lang_ == "ckb" || lang_ == "prs"; }
  std::string_view language() const override { return lang_; }
  bool set_language(std::string_view code) override {
    lang_ = std::string(code);
    return true;
  }

 private:
  std::string lang_ = "nl";
};

class HeadlessUi {
 public:
  explicit HeadlessUi(Vec2 screen = {1920, 1080}) : screen_(screen) {
    ctx_ = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(screen.x, screen.y);
    io.DeltaTime = 1.0f / 60;
    unsigned char* px;
    int w, h;
    io.Fonts->AddFontDefault();
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    renderer_ = std::make_unique<ImGuiFontRenderer>(io.Fonts->Fonts[0]);
    ui_ = std::make_unique<Ui>(items_, *renderer_, texts_);
    items_.set_record_texts(true);
  }
  ~HeadlessUi() { ImGui::DestroyContext(ctx_); }

  // Draws one frame of `scene` with the pointer state from `mapper`.
  void frame(Scene& scene, const AppState& state, Intents& intents, bool rtl = false) {
    FrameInput in = mapper_.next_frame();
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(in.pos.x, in.pos.y);
    io.MouseDown[0] = in.down;
    ImGui::NewFrame();
    items_.begin_frame();
    ui_->begin_frame(screen_, in, rtl);
    ui_->set_text_scale(text_scale_);
    scene.draw(state, *ui_, intents);
    ui_->end_frame();
    items_.end_frame();
    ImGui::Render();
  }
  // Taps the centre of item `id` (from the last frame) and runs frames until the tap completed.
  bool tap(const std::string& id, Scene& scene, const AppState& state, Intents& intents, bool rtl = false) {
    const ItemInfo* it = items_.find(id);
    if (!it) return false;
    Vec2 c = it->rect.center();
    PointerEvent d;
    d.kind = PointerEvent::Kind::Down;
    d.pos = c;
    d.finger = 1;
    PointerEvent u = d;
    u.kind = PointerEvent::Kind::Up;
    mapper_.push(d);
    mapper_.push(u);
    for (int i = 0; i < 5; ++i) frame(scene, state, intents, rtl);
    return true;
  }
  InputMapper& mapper() { return mapper_; }
  Ui& ui() { return *ui_; }
  // Large-text mode as the app sets it for resident screens (Ui::set_text_scale), kept across frames.
  void set_text_scale(float s) { text_scale_ = s; }
  ItemRegistry& items() { return items_; }
  FakeTexts& texts() { return texts_; }

 private:
  ImGuiContext* ctx_;
  Vec2 screen_;
  InputMapper mapper_;
  ItemRegistry items_;
  FakeTexts texts_;
  std::unique_ptr<ImGuiFontRenderer> renderer_;
  std::unique_ptr<Ui> ui_;
  float text_scale_ = 1.0f;
};

}  // namespace balie::kiosk::testing
