// Text engine adapters (see engine_text.h): catalog lookup with the language's fallback chain,
// placeholder filling with bidi isolation of every value, layout and drawing through the glyph atlas.
#include "ui/engine_text.h"

#include <cstdio>

#include "balie/text/utf8.h"

namespace balie::kiosk {

namespace {
text::Align to_engine(Align a) {
  switch (a) {
    case Align::Center: return text::Align::kCenter;
    case Align::End: return text::Align::kEnd;
    default: return text::Align::kStart;
  }
}

const text::Language& base_language() {
  for (const auto& l : text::languages())
    if (l.code == text::kBaseLanguage) return l;
  return text::languages().front();
}
}  // namespace

Vec2 EngineTextRenderer::measure(std::string_view utf8, float size_px, float wrap_width, bool) {
  text::TextStyle st{size_px, wrap_width > 0 ? wrap_width : 0.0f, text::Align::kStart, 1.0f};
  auto p = staff_ ? r_.engine().layout(utf8, st, base_language()) : r_.engine().layout(utf8, st);
  return Vec2{p->width, p->height};
}

void EngineTextRenderer::draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px,
                              uint32_t color, Align align, bool) {
  text::TextStyle st{size_px, width > 0 ? width : 0.0f, to_engine(align), 1.0f};
  auto p = staff_ ? r_.engine().layout(utf8, st, base_language()) : r_.engine().layout(utf8, st);
  float x = pos.x;
  // The engine aligns within max_width; for unwrapped text align the box ourselves.
  if (width <= 0) {
    (void)x;
  }
  r_.draw(dl, ImVec2(x, pos.y), *p, color);
}

const text::Language& EngineTexts::current() const { return staff_ ? base_language() : e_.language(); }

std::string EngineTexts::tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>& args) const {
  const text::Language& lang = current();
  const text::CatalogEntry* entry = nullptr;
  const text::Catalog* from = nullptr;
  std::string_view chain[3] = {lang.code, lang.fallback, text::kBaseLanguage};
  for (std::string_view code : chain) {
    if (code.empty()) continue;
    if (const text::Catalog* c = e_.catalog(code)) {
      entry = c->find(key);
      from = c;
    }
    if (entry) break;
  }
  if (!entry) return std::string(key);  // never blank; the build check makes this rare
  // A plural entry: the form for its {count}/{days} argument ("Nog 1 dag", "Nog 2 dagen").
  unsigned long n = 0;
  for (const auto& [name, v] : args)
    if (text::is_plural_count_arg(name) && text::parse_plural_count(v, &n)) break;
  const std::string& t = entry->plural() ? text::select_form(*entry, from->plural_rule, n) : entry->text;
  std::string out;
  out.reserve(t.size() + 32);
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '{') {
      size_t close = t.find('}', i + 1);
      if (close != std::string::npos) {
        std::string_view name(t.data() + i + 1, close - i - 1);
        bool found = false;
        for (const auto& [n, v] : args) {
          if (n == name) {
            out += text::isolate_untrusted(v);
            found = true;
            break;
          }
        }
        if (!found) out.append(t, i, close - i + 1);
        i = close + 1;
        continue;
      }
    }
    out += t[i++];
  }
  return out;
}

std::string EngineTexts::tr_in(std::string_view language, std::string_view key) const {
  const text::Language* lang = text::find_language(language);
  if (!lang) return tr(key);
  return e_.tr_in(*lang, key);
}

bool EngineTexts::set_language(std::string_view code) {
  if (auto st = e_.set_language(code); !st) {
    e_.reset_language();
    return false;
  }
  return true;
}

std::string EngineTexts::format_date(std::string_view iso) const {
  int y = 0, m = 0, d = 0;
  char extra = 0;
  std::string s(iso);
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) return tr("common.unknown");
  auto r = e_.format_date(text::Date{y, m, d});
  if (!r) return tr("common.unknown");
  return r.value();
}

}  // namespace balie::kiosk
