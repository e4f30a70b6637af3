// Text engine adapters (see engine_text.h): catalog lookup with the language's fallback chain,
// placeholder filling with bidi isolation of every value (text::isolate_value: the one place where
// values enter sentences), layout and drawing through the glyph atlas, each text in its own language
// and direction (TextLang).
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

// A known language for a catalog or BCP 47 code ("ar", "fa-AF" -> fa); nullptr when unknown.
const text::Language* language_for(std::string_view code) {
  if (code.empty()) return nullptr;
  if (const text::Language* l = text::find_language(code)) return l;
  return text::find_language(code.substr(0, code.find_first_of("-_")));
}
}  // namespace

const text::Language& EngineTextRenderer::resolve(TextLang lang, text::TextStyle& st) const {
  // The language HarfBuzz shapes with: the text's own if known, else the screen's.
  const text::Language& screen = staff_ ? base_language() : r_.engine().language();
  const text::Language* own = language_for(lang.code);
  const text::Language& shape_as = own ? *own : screen;
  switch (lang.dir) {
    case TextDir::Ltr: st.direction = text::Direction::kLtr; break;
    case TextDir::Rtl: st.direction = text::Direction::kRtl; break;
    case TextDir::Auto:
      if (own) st.direction = own->is_rtl ? text::Direction::kRtl : text::Direction::kLtr;
      else if (staff_) st.direction = text::Direction::kLtr;  // staff screens are Dutch
      else st.direction = text::Direction::kAuto;             // P2/P3; no strong character: the screen's
      break;
  }
  return shape_as;
}

Vec2 EngineTextRenderer::measure(std::string_view utf8, float size_px, float wrap_width, TextLang lang) {
  text::TextStyle st{size_px, wrap_width > 0 ? wrap_width : 0.0f, text::Align::kStart, 1.0f};
  const text::Language& l = resolve(lang, st);
  auto p = r_.engine().layout(utf8, st, l);
  return Vec2{p->width, p->height};
}

void EngineTextRenderer::draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px,
                              uint32_t color, Align align, TextLang lang) {
  text::TextStyle st{size_px, width > 0 ? width : 0.0f, to_engine(align), 1.0f};
  const text::Language& l = resolve(lang, st);
  auto p = r_.engine().layout(utf8, st, l);
  // Unwrapped text (width <= 0) is drawn from pos: its box is its own width.
  r_.draw(dl, ImVec2(pos.x, pos.y), *p, color);
}

bool EngineTextRenderer::is_rtl(std::string_view utf8, TextLang lang) {
  text::TextStyle st{16.0f, 0.0f, text::Align::kStart, 1.0f};
  const text::Language& l = resolve(lang, st);
  if (st.direction != text::Direction::kAuto) return st.direction == text::Direction::kRtl;
  return r_.engine().layout(utf8, st, l)->rtl;
}

const text::Language& EngineTexts::current() const { return staff_ ? base_language() : e_.language(); }

std::string_view EngineTexts::language_of(std::string_view key) const {
  const text::Language& lang = current();
  if (key.empty()) return lang.code;
  std::string_view chain[3] = {lang.code, lang.fallback, text::kBaseLanguage};
  for (std::string_view code : chain) {
    if (code.empty()) continue;
    if (const text::Catalog* c = e_.catalog(code))
      if (c->find(key)) {
        const text::Language* l = text::find_language(code);
        return l ? l->code : text::kBaseLanguage;
      }
  }
  return lang.code;
}

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
            out += text::isolate_value(v);  // LRI..PDI for codes/numbers/dates in digits, else FSI..PDI
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
