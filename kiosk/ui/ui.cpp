// Widget toolkit implementation (see ui.h). Uses Dear ImGui 1.86 only for hit-testing
// (InvisibleButton), clipping and the draw list; all text goes through TextRenderer.
#include "ui/ui.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace balie::kiosk {

namespace {
ImVec2 iv(Vec2 v) { return ImVec2(v.x, v.y); }
ImVec2 tl(Rect r) { return ImVec2(r.x, r.y); }
ImVec2 br(Rect r) { return ImVec2(r.x + r.w, r.y + r.h); }
}  // namespace

void Ui::begin_frame(Vec2 screen, const FrameInput& input, bool rtl_layout) {
  screen_ = screen;
  input_ = input;
  rtl_ = rtl_layout;
  clipped_texts_ = 0;
  captures_.clear();
  notices_.clear();
  scrolls_.clear();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(iv(screen));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
  ImGui::Begin("##balie", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground |
                   ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoNav);
}

void Ui::end_frame() {
  // "Cannot play" notices of listen buttons, drawn last so the scene's later content (a panel just
  // below the button) never hides them.
  for (const auto& [plate, msg] : notices_) {
    fill(plate, theme::rgba(255, 244, 240), 8);
    ImDrawList* dl = draw_list();
    dl->AddRect(tl(plate), br(plate), theme::kDanger, 8, 0, 2.0f);
    text(Rect{plate.x + 12, plate.y + 8, plate.w - 24, 0}, msg, theme::kTextSmall, theme::kDanger, Align::Start, lang_of("audio.unavailable"));
  }
  notices_.clear();
  ImGui::End();
  ImGui::PopStyleVar(2);
}

ImDrawList* Ui::draw_list() const { return ImGui::GetWindowDrawList(); }

std::string Ui::typed_text() const {
  std::string out;
  const ImVector<ImWchar>& q = ImGui::GetIO().InputQueueCharacters;
  for (int i = 0; i < q.Size; ++i) {
    unsigned c = q[i];
    if (c < 0x20 || c == 0x7F) continue;  // control characters are not text
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool Ui::backspace_pressed() const { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace)); }

Rect Ui::mirror(Rect r) const {
  if (!rtl_) return r;
  return Rect{screen_.x - r.x - r.w, r.y, r.w, r.h};
}

constexpr float kPi = 3.14159265358979f;

// A rounded fill as four anti-aliased corner sectors and three plain rectangles over the rest (each
// reaching one pixel into the corners, covering the sectors' straight edges). The same pixels as one
// rounded polygon to the eye, but the large areas are axis-aligned rectangles of one colour, which
// SDL's software renderer fills with its fast rectangle path instead of rasterising triangles.
void Ui::fill(Rect r, uint32_t color, float rounding) {
  ImDrawList* dl = draw_list();
  const float rad = std::round(std::min({rounding, r.w * 0.5f, r.h * 0.5f}));
  // Translucent fills stay one polygon: overlapping parts would be blended twice.
  if (rad < 2.0f || ((color >> IM_COL32_A_SHIFT) & 0xFF) != 0xFF) {
    dl->AddRectFilled(tl(r), br(r), color, rounding);
    return;
  }
  // Whole pixels: the software renderer truncates rectangle edges, so fractional ones leave seams.
  const float x0 = std::round(r.x), y0 = std::round(r.y), x1 = std::round(r.x + r.w), y1 = std::round(r.y + r.h);
  const struct {
    float cx, cy, a0;
  } corners[] = {{x0 + rad, y0 + rad, kPi}, {x1 - rad, y0 + rad, kPi * 1.5f}, {x1 - rad, y1 - rad, 0.0f},
                 {x0 + rad, y1 - rad, kPi * 0.5f}};
  for (const auto& c : corners) {
    dl->PathLineTo(ImVec2(c.cx, c.cy));
    dl->PathArcTo(ImVec2(c.cx, c.cy), rad, c.a0, c.a0 + kPi * 0.5f);
    dl->PathFillConvex(color);
  }
  dl->AddRectFilled(ImVec2(x0 + rad - 1, y0), ImVec2(x1 - rad + 1, y1), color);       // middle column
  dl->AddRectFilled(ImVec2(x0, y0 + rad - 1), ImVec2(x0 + rad + 1, y1 - rad + 1), color);  // left side
  dl->AddRectFilled(ImVec2(x1 - rad - 1, y0 + rad - 1), ImVec2(x1, y1 - rad + 1), color);  // right side
}

void Ui::circle(Vec2 c, float radius, uint32_t color) { draw_list()->AddCircleFilled(iv(c), radius, color, 24); }

float Ui::text(Rect box, std::string_view utf8, float size, uint32_t color, Align align, TextLang lang) {
  items_.add_text(utf8);
  if (align == Align::ScreenStart) align = text_.is_rtl(utf8, lang) == rtl_ ? Align::Start : Align::End;
  const float nominal = size;
  size *= text_scale_;
  Vec2 m = text_.measure(utf8, size, box.w, lang);
  // Too tall for a fixed box (large-text mode, a tall script, a long translation): the nominal size,
  // then a little smaller, down to 70% of it, before the text is cut.
  if (box.h > 0) {
    for (float f : {1.0f, 0.9f, 0.8f, 0.7f}) {
      if (m.y <= box.h) break;
      size = nominal * f;
      m = text_.measure(utf8, size, box.w, lang);
    }
  }
  // One line is never cut (an Arabic-script line is taller than a Latin one at the same size, and
  // marked a name as cut that was shown whole): only more lines (hard breaks or wrapping) than fit are.
  const auto one_line = [&] {
    return utf8.find('\n') == std::string_view::npos && m.y <= text_.measure(utf8, size, 0, lang).y + 0.5f;
  };
  if (box.h > 0 && m.y > box.h && !one_line()) {
    ++clipped_texts_;
    // Too long for its box (e.g. a very long name): clip, and mark the cut with an ellipsis at
    // the end of the last visible line.
    ImGui::PushClipRect(tl(box), br(box), true);
    text_.draw(draw_list(), Vec2{box.x, box.y}, box.w, utf8, size, color, align, lang);
    ImGui::PopClipRect();
    const float ew = size * 1.2f;
    const bool text_rtl = text_.is_rtl(utf8, lang);  // the end of the text's own direction
    const Rect mark{text_rtl ? box.x : box.x + box.w - ew, box.y + box.h - size * 1.3f, ew, size * 1.3f};
    fill(mark, theme::rgba(246, 244, 239, 230), 4);
    text_.draw(draw_list(), Vec2{mark.x, mark.y}, mark.w, "\xE2\x80\xA6", size, color, Align::Center, TextLang::ltr());
    return box.h;
  }
  text_.draw(draw_list(), Vec2{box.x, box.y}, box.w, utf8, size, color, align, lang);
  return m.y;
}

bool Ui::button(std::string_view id, Rect r, std::string_view label, ButtonStyle style, float text_size,
                TextLang lang) {
  // Inside a scroll region only the visible part counts (and can be touched).
  if (!scrolls_.empty()) {
    const Rect c = scrolls_.back().r;
    const float x0 = std::max(r.x, c.x), y0 = std::max(r.y, c.y);
    const float x1 = std::min(r.x + r.w, c.x + c.w), y1 = std::min(r.y + r.h, c.y + c.h);
    if (x1 <= x0 || y1 <= y0) return false;  // scrolled out of view
    const Rect vis{x0, y0, x1 - x0, y1 - y0};
    items_.add_item(id, vis, true, vis.w < r.w || vis.h < r.h);
  } else {
    items_.add_item(id, r, true);
  }
  items_.add_text(label);
  ImGui::SetCursorScreenPos(tl(r));
  ImGui::PushID(id.data(), id.data() + id.size());
  bool pressed = ImGui::InvisibleButton("##b", ImVec2(std::max(r.w, 1.0f), std::max(r.h, 1.0f)));
  bool held = ImGui::IsItemActive();
  ImGui::PopID();
  uint32_t bg = theme::kPrimary, fg = theme::kTextOnDark;
  switch (style) {
    case ButtonStyle::Primary: bg = held ? theme::kPrimaryHeld : theme::kPrimary; break;
    case ButtonStyle::Secondary:
      bg = held ? theme::kSecondaryHeld : theme::kSecondary;
      fg = theme::kText;
      break;
    case ButtonStyle::Danger: bg = held ? theme::kPrimaryHeld : theme::kDanger; break;
    case ButtonStyle::OnDark:
      bg = held ? theme::rgba(255, 255, 255, 90) : theme::rgba(255, 255, 255, 40);
      break;
  }
  fill(r, bg, theme::kRounding);
  if (!label.empty()) {
    const float nominal = text_size;
    text_size *= text_scale_;
    Vec2 m = text_.measure(label, text_size, r.w - 24, lang);
    // Too big for the button (large-text mode, a long translation): the nominal size, then a little
    // smaller, down to 70% of it, before the label is cut.
    for (float f : {1.0f, 0.9f, 0.8f, 0.7f}) {
      if (m.y <= r.h) break;
      text_size = nominal * f;
      m = text_.measure(label, text_size, r.w - 24, lang);
    }
    if (m.y > r.h) ++clipped_texts_;
    float y = r.y + std::max(0.0f, (r.h - m.y) / 2);
    ImGui::PushClipRect(tl(r), br(r), true);  // a label never spills out of its button
    text_.draw(draw_list(), Vec2{r.x + 12, y}, r.w - 24, label, text_size, fg, Align::Center, lang);
    ImGui::PopClipRect();
  }
  return pressed;
}

float Ui::notice_width() const { return std::min(900.0f, screen_.x * 0.55f); }

float Ui::listen_notice_height() {
  return text_.measure(texts_.tr("audio.unavailable"), theme::kTextSmall * text_scale_, notice_width() - 24, lang_of("audio.unavailable")).y + 22;
}

bool Ui::listen_button(std::string_view id, Rect r, bool can_play, std::string_view badge) {
  bool pressed = button(id, r, "", ButtonStyle::Secondary);
  // Speaker pictogram: a box, a cone and two sound waves, mirrored in RTL.
  ImDrawList* dl = draw_list();
  const float s = std::min(r.w, r.h);
  const float cx = r.x + r.w / 2, cy = r.y + r.h / 2;
  const float dir = rtl_ ? -1.0f : 1.0f;
  const ImU32 c = theme::kText;
  const float bx = cx - dir * s * 0.22f;
  dl->AddRectFilled(ImVec2(std::min(bx, bx + dir * s * 0.12f), cy - s * 0.09f),
                    ImVec2(std::max(bx, bx + dir * s * 0.12f), cy + s * 0.09f), c);
  const float cone = bx + dir * s * 0.12f;
  dl->AddTriangleFilled(ImVec2(cone, cy - s * 0.09f), ImVec2(cone + dir * s * 0.16f, cy - s * 0.24f),
                        ImVec2(cone + dir * s * 0.16f, cy + s * 0.24f), c);
  dl->AddTriangleFilled(ImVec2(cone, cy - s * 0.09f), ImVec2(cone + dir * s * 0.16f, cy + s * 0.24f),
                        ImVec2(cone, cy + s * 0.09f), c);
  const float a0 = rtl_ ? 3.14159f - 0.8f : -0.8f, a1 = rtl_ ? 3.14159f + 0.8f : 0.8f;
  for (int i = 1; i <= 2; ++i) {
    dl->PathArcTo(ImVec2(cone + dir * s * 0.16f, cy), s * (0.08f + 0.09f * i), a0, a1, 16);
    dl->PathStroke(c, 0, s * 0.045f);
  }
  if (!badge.empty()) {  // the language of this button's text, in a corner below the waves
    const float bs = theme::kTextSmall * 0.8f;
    const Vec2 bm = text_.measure(badge, bs, r.w - 12, TextLang::ltr());
    // Bottom corner away from the speaker's waves: right in LTR, left in RTL.
    text_.draw(dl, Vec2{r.x + 6, r.y + r.h - bm.y - 2}, r.w - 12, badge, bs, theme::kPrimary,
               rtl_ ? Align::Start : Align::End, TextLang::ltr());
  }
  if (!can_play) {
    // Cannot play: strike the speaker through and say so, in the resident's language, on a plate so
    // that it stays readable over whatever lies below the button.
    dl->AddLine(ImVec2(r.x + s * 0.15f, r.y + s * 0.85f), ImVec2(r.x + s * 0.85f, r.y + s * 0.15f), theme::kDanger,
                s * 0.07f);
    const std::string msg = texts_.tr("audio.unavailable");
    const float w = notice_width();
    const Vec2 mm = text_.measure(msg, theme::kTextSmall * text_scale_, w - 24, lang_of("audio.unavailable"));
    const float x = rtl_ ? std::max(0.0f, r.x + r.w - w) : r.x;  // `r` is already mirrored by the scene
    const Rect plate{x, r.y + r.h + 6, w, mm.y + 16};
    // Drawn by end_frame, over the rest of the scene; one line per screen (two buttons side by side
    // that both cannot play share it).
    if (std::none_of(notices_.begin(), notices_.end(), [&](const auto& n) { return n.second == msg; }))
      notices_.emplace_back(plate, msg);
    items_.add_item(std::string(id) + ".unavailable", plate, false);
  }
  return pressed;
}

bool Ui::text_size_button(std::string_view id, Rect r, bool on) {
  bool pressed = button(id, r, "", on ? ButtonStyle::Primary : ButtonStyle::Secondary);
  items_.add_text(on ? "A+ on" : "A+ off");
  // Two letters A, small then large in reading direction, at fixed sizes (not scaled by the mode).
  const uint32_t fg = on ? theme::kTextOnDark : theme::kText;
  const float s = std::min(r.w, r.h);
  const float small = s * 0.30f, large = s * 0.50f;
  const float base = r.y + r.h * 0.76f;  // common baseline, roughly
  const float xs = rtl_ ? r.x + r.w * 0.56f : r.x + r.w * 0.12f;
  const float xl = rtl_ ? r.x + r.w * 0.06f : r.x + r.w * 0.40f;
  text_.draw(draw_list(), Vec2{xs, base - small * 1.2f}, s * 0.32f, "A", small, fg, Align::Center, TextLang::ltr());
  text_.draw(draw_list(), Vec2{xl, base - large * 1.2f}, s * 0.54f, "A", large, fg, Align::Center, TextLang::ltr());
  return pressed;
}

Vec2 Ui::begin_scroll(std::string_view id, Rect r, float* scroll_y) {
  items_.add_item(id, r, false);
  // Drag-scroll: a drag that started inside this region moves the content with the finger.
  if (input_.dragging && r.contains(input_.drag_origin)) *scroll_y -= input_.drag_dy;
  // Mouse wheel for development.
  if (r.contains(Vec2{ImGui::GetIO().MousePos.x, ImGui::GetIO().MousePos.y}))
    *scroll_y -= ImGui::GetIO().MouseWheel * 60.0f;
  scrolls_.push_back(ScrollFrame{r, scroll_y, *scroll_y});
  ImGui::PushClipRect(tl(r), br(r), true);  // clips drawing and hit-testing
  return Vec2{r.x, r.y - std::max(0.0f, *scroll_y)};
}

void Ui::end_scroll(float content_height) {
  if (scrolls_.empty()) return;
  ScrollFrame f = scrolls_.back();
  scrolls_.pop_back();
  ImGui::PopClipRect();
  const float max_scroll = std::max(0.0f, content_height - f.r.h);
  *f.scroll_y = std::clamp(*f.scroll_y, 0.0f, max_scroll);
  // Scroll indicator on the trailing edge (mirrored in RTL).
  if (max_scroll > 0) {
    const float track_h = f.r.h - 8;
    const float thumb_h = std::max(40.0f, track_h * f.r.h / content_height);
    const float t = *f.scroll_y / max_scroll;
    const float x = rtl_ ? f.r.x + 4 : f.r.x + f.r.w - 10;
    const float y = f.r.y + 4 + t * (track_h - thumb_h);
    draw_list()->AddRectFilled(ImVec2(x, y), ImVec2(x + 6, y + thumb_h), theme::rgba(0, 0, 0, 90), 3);
  }
}

}  // namespace balie::kiosk
